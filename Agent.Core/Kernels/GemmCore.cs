namespace Agent.Core.Kernels;

/// <summary>
/// The blocked GEMM driver over packed panels: C(m, n) [+]= A(m, k) · B(k, n) + bias, with an optional ReLU.
/// A is row-major with leading dimension lda; B is ⌈n/16⌉ panels of (k, 16) (<see cref="PackedPanels"/>); bias has
/// 16·⌈n/16⌉ floats; C is row-major with leading dimension ldc. Work splits into row × panel blocks over
/// <see cref="KernelThreads"/> when the product is large enough to pay for waking them.
/// </summary>
internal static unsafe class GemmCore
{
    /// <summary>One multiplication, kept on the caller's stack while the pool runs it.</summary>
    internal struct Job
    {
        public float* A;
        public nint Lda;
        public int M;
        public int K;
        public int N;
        public float* B;
        public float* Bias;
        public float* C;
        public nint Ldc;
        public bool Accumulate;
        public bool Relu;
        public bool Fma;
        public int RowsPerItem;
        public int PanelsPerItem;
        public int ColumnItems;
    }

    /// <summary>C(m, n) [+]= A(m, k) · B + bias (then ReLU), split over threads when large.</summary>
    internal static void Run(float* a, nint lda, int m, int k, int n, float* b, float* bias, float* c, nint ldc, bool accumulate, bool relu)
    {
        if (m <= 0 || n <= 0)
        {
            return;
        }
        Job job = new()
        {
            A = a, Lda = lda, M = m, K = k, N = n, B = b, Bias = bias, C = c, Ldc = ldc,
            Accumulate = accumulate, Relu = relu, Fma = KernelIsa.UseFma,
        };
        int panels = PackedPanels.PanelCount(n);
        int rowBlocks = (m + MicroKernel.Rows - 1) / MicroKernel.Rows;
        long flops = 2L * m * n * k;
        int maxItems = (int)Math.Clamp(flops / KernelThreads.MinFlopsToSplit, 1, KernelThreads.Count * 4L);
        int rowItems = Math.Min(rowBlocks, maxItems);
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
    internal static void Block(in Job job, int r0, int r1, int q0, int q1)
    {
        nint panelStride = (nint)job.K * MicroKernel.Cols;
        int end = Math.Min(job.N, q1 * MicroKernel.Cols);
        for (int i = r0; i < r1; i += MicroKernel.Rows)
        {
            int rows = Math.Min(MicroKernel.Rows, r1 - i);
            float* a = job.A + i * job.Lda;
            float* c = job.C + i * job.Ldc;
            if (rows == 1)
            {
                for (int q = q0; q < q1; q += MicroKernel.RowPanels)
                {
                    int col = q * MicroKernel.Cols;
                    MicroKernel.Row(job.Fma, a, job.B + q * panelStride, panelStride, job.K, c + col, Math.Min(end - col, MicroKernel.Cols * MicroKernel.RowPanels), job.Bias + col, job.Accumulate, job.Relu);
                }
                continue;
            }
            for (int q = q0; q < q1; q++)
            {
                int col = q * MicroKernel.Cols;
                MicroKernel.Tile(job.Fma, a, job.Lda, rows, job.B + q * panelStride, job.K, c + col, job.Ldc, Math.Min(end - col, MicroKernel.Cols), job.Bias + col, job.Accumulate, job.Relu);
            }
        }
    }

    private static void Execute(void* state, int item, int slot)
    {
        ref Job job = ref *(Job*)state;
        int r0 = item / job.ColumnItems * job.RowsPerItem;
        int q0 = item % job.ColumnItems * job.PanelsPerItem;
        Block(job, r0, Math.Min(job.M, r0 + job.RowsPerItem), q0, Math.Min(PackedPanels.PanelCount(job.N), q0 + job.PanelsPerItem));
    }
}
