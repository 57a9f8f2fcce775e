using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AgentRnn.Core.Kernels;

/// <summary>
/// The blocked GEMM driver over packed panels: C(m, n) [+]= A(m, k) · B(k, n) + bias, with an optional ReLU.
/// A is row-major with leading dimension lda; B is ⌈n/16⌉ panels of (k, 16) (<see cref="PackedPanels"/>); bias has
/// 16·⌈n/16⌉ floats; C is row-major with leading dimension ldc. Work splits into row × panel blocks over
/// <see cref="KernelThreads"/> when the product is large enough to pay for waking them.
/// </summary>
internal static unsafe class GemmCore
{
    // Reduction slice length: a (MaxDepth, 16) slice of a B panel is 48 KB.
    internal const int MaxDepth = 768;

    // Each thread's buffer for widened bfloat16 slices: allocated on its first bfloat16 multiplication, then reused.
    [ThreadStatic]
    private static float[]? t_widened;

    // A zero bias for the slices after the first: one tile's width.
    private static readonly float* Zeros = AllocateZeros();

    /// <summary>One multiplication, kept on the caller's stack while the pool runs it.</summary>
    internal struct Job
    {
        public float* A;
        public nint Lda;
        public int M;
        public int K;
        public int N;
        public float* B;
        public ushort* Half;       // bfloat16 panels instead of B, or null
        public float* Bias;
        public float* C;
        public nint Ldc;
        public bool Accumulate;
        public bool Relu;
        public IsaLevel Isa;
        public int RowsPerItem;
        public int PanelsPerItem;
        public int ColumnItems;
    }

    /// <summary>
    /// C(m, n) [+]= A(m, k) · B + bias (then ReLU), split over threads when large. B is float32 panels b, or bfloat16
    /// panels <paramref name="half"/> when b is null.
    /// </summary>
    internal static void Run(float* a, nint lda, int m, int k, int n, float* b, float* bias, float* c, nint ldc, bool accumulate, bool relu, ushort* half = null)
    {
        if (m <= 0 || n <= 0)
        {
            return;
        }
        Job job = new()
        {
            A = a, Lda = lda, M = m, K = k, N = n, B = b, Half = half, Bias = bias, C = c, Ldc = ldc,
            Accumulate = accumulate, Relu = relu, Isa = KernelIsa.Current,
        };
        int panels = PackedPanels.PanelCount(n);
        int rowBlocks = (m + MicroKernel.Rows - 1) / MicroKernel.Rows;
        long flops = 2L * m * n * k;
        int maxItems = (int)Math.Clamp(flops / KernelThreads.MinFlopsToSplit, 1, KernelThreads.Count * 4L);
        // Split the larger operand: every item reads all of A for its columns and all of B for its rows, so when B
        // (k × n weights) outweighs A (m × k activations) items take column ranges and B leaves memory once per call.
        int rowItems = n > m ? Math.Clamp(maxItems / Math.Min(panels, maxItems), 1, rowBlocks) : Math.Min(rowBlocks, maxItems);
        job.RowsPerItem = MicroKernel.Rows * ((rowBlocks + rowItems - 1) / rowItems);
        rowItems = (m + job.RowsPerItem - 1) / job.RowsPerItem;
        int columnItems = Math.Clamp(maxItems / rowItems, 1, panels);
        job.PanelsPerItem = (panels + columnItems - 1) / columnItems;
        if (m == 1)
        {
            // The one-row kernel covers four panels at a time.
            job.PanelsPerItem = (job.PanelsPerItem + MicroKernel.RowPanels - 1) / MicroKernel.RowPanels * MicroKernel.RowPanels;
        }
        job.ColumnItems = (panels + job.PanelsPerItem - 1) / job.PanelsPerItem;
        KernelThreads.Run(&Execute, &job, rowItems * job.ColumnItems);
    }

    /// <summary>Rows [r0, r1) × panels [q0, q1) of a job on the calling thread.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Block(in Job job, int r0, int r1, int q0, int q1)
    {
        nint panelStride = (nint)job.K * MicroKernel.Cols;
        int end = Math.Min(job.N, q1 * MicroKernel.Cols);
        if (r1 - r0 == 1)
        {
            // One row reads each weight once whatever the order: the GEMV tile over four panels at a time.
            for (int q = q0; q < q1; q += MicroKernel.RowPanels)
            {
                int col = q * MicroKernel.Cols;
                int cols = Math.Min(end - col, MicroKernel.Cols * MicroKernel.RowPanels);
                if (job.Half != null)
                {
                    MicroKernel.RowHalf(job.Isa, job.A + r0 * job.Lda, job.Half + q * panelStride, panelStride, job.K, job.C + r0 * job.Ldc + col, cols, job.Bias + col, job.Accumulate, job.Relu);
                }
                else
                {
                    MicroKernel.Row(job.Isa, job.A + r0 * job.Lda, job.B + q * panelStride, panelStride, job.K, job.C + r0 * job.Ldc + col, cols, job.Bias + col, job.Accumulate, job.Relu);
                }
            }
            return;
        }
        // Long reductions go in slices of at most MaxDepth, panel by panel, so one slice of a B panel stays in L1/L2
        // while every row block of the item passes over it (B is then read from memory once per item, not once per
        // six rows). The bias joins the first slice and the ReLU the last.
        int step = MicroKernel.TilePanels(job.Isa);
        int slices = (job.K + MaxDepth - 1) / MaxDepth;
        int depth = (job.K + slices - 1) / slices;
        for (int p0 = 0; p0 < job.K; p0 += depth)
        {
            int kc = Math.Min(depth, job.K - p0);
            bool first = p0 == 0;
            bool relu = job.Relu && p0 + kc == job.K;
            for (int q = q0; q < q1; q += step)
            {
                int col = q * MicroKernel.Cols;
                float* b = job.B + q * panelStride + (nint)p0 * MicroKernel.Cols;
                nint stride = panelStride;
                if (job.Half != null)
                {
                    // bfloat16 panels are widened once per slice into this thread's buffer and shared by every row block.
                    b = Widened(job.Half + q * panelStride + (nint)p0 * MicroKernel.Cols, panelStride, Math.Min(step, q1 - q), kc);
                    stride = (nint)kc * MicroKernel.Cols;
                }
                float* bias = first ? job.Bias + col : Zeros;
                int cols = Math.Min(end, Math.Min(q + step, q1) * MicroKernel.Cols) - col;
                for (int i = r0; i < r1; i += MicroKernel.Rows)
                {
                    MicroKernel.Tile(job.Isa, job.A + i * job.Lda + p0, job.Lda, Math.Min(MicroKernel.Rows, r1 - i), b, stride, kc, job.C + i * job.Ldc + col, job.Ldc, cols, bias, !first || job.Accumulate, relu);
                }
            }
        }
    }

    // panels × (kc, 16) bfloat16 slices (panel j at half + j·panelStride) as float32 in this thread's buffer, panel j at j·kc·16.
    private static float* Widened(ushort* half, nint panelStride, int panels, int kc)
    {
        float[] buffer = t_widened ??= GC.AllocateArray<float>(MaxDepth * MicroKernel.Cols * MicroKernel.RowPanels, pinned: true);
        float* to = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        for (int j = 0; j < panels; j++)
        {
            BFloat16.Widen(half + j * panelStride, to + (nint)j * kc * MicroKernel.Cols, kc * MicroKernel.Cols);
        }
        return to;
    }

    private static float* AllocateZeros()
    {
        const int bytes = MicroKernel.Cols * MicroKernel.RowPanels * sizeof(float);
        void* zeros = NativeMemory.AlignedAlloc(bytes, 64);
        NativeMemory.Clear(zeros, bytes);
        return (float*)zeros;
    }

    private static void Execute(void* state, int item, int slot)
    {
        ref Job job = ref *(Job*)state;
        int r0 = item / job.ColumnItems * job.RowsPerItem;
        int q0 = item % job.ColumnItems * job.PanelsPerItem;
        Block(job, r0, Math.Min(job.M, r0 + job.RowsPerItem), q0, Math.Min(PackedPanels.PanelCount(job.N), q0 + job.PanelsPerItem));
    }
}
