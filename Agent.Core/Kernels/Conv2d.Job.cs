using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AgentRnn.Core.Kernels;

// The gather-and-multiply pass behind Conv2d's forward overloads.
internal sealed unsafe partial class Conv2d
{
    // Each thread's patch block stays within this many bytes, so it is still in L2 when the micro-kernel reads it.
    private const int PatchBlockBytes = 96 * 1024;

    // The in-place path keeps a receptive field's segment offsets on the stack: at most this many segments (C·kh for
    // NCHW, kh for NHWC). Longer reductions than GemmCore.MaxDepth would need slicing, which the gather path does.
    private const int MaxSegments = 256;

    private static readonly float FrameScale = 1f / 255f;

    /// <summary>One forward pass, kept on the caller's stack while the pool runs it.</summary>
    private struct Job
    {
        public float* X;          // float input (NCHW or NHWC), or null
        public byte* Frames;      // uint8 NCHW input, or null
        public bool Nhwc;
        public bool ReluInput;
        public int C, H, W, OH, OW, KH, KW, Stride, Pad, K, Rows;
        public float* Scratch;
        public int RowsPerItem;
        public GemmCore.Job Gemm; // A, C and rows are set per item

        // The in-place path (no padding): receptive fields are read straight from the input, segment by segment.
        public bool InPlace;
        public int BandRows;      // uint8 input: output rows per item (a band), whose input rows the item converts
        public int SlotFloats;    // per-thread scratch for a band's converted rows
    }

    // Rows of output pixels per work item: about four items per thread, each block of patches within PatchBlockBytes.
    private int RowsPerItem(int rows)
    {
        int cap = Math.Max(MicroKernel.Rows, PatchBlockBytes / sizeof(float) / PatchSize / MicroKernel.Rows * MicroKernel.Rows);
        int blocks = (rows + MicroKernel.Rows - 1) / MicroKernel.Rows;
        int items = KernelThreads.Count * 4;
        return Math.Max(MicroKernel.Rows, Math.Min(cap, MicroKernel.Rows * ((blocks + items - 1) / items)));
    }

    // Rows of output pixels per item when read in place (no scratch to bound): about four items per thread.
    private static int InPlaceRowsPerItem(int rows)
    {
        int blocks = (rows + MicroKernel.Rows - 1) / MicroKernel.Rows;
        int items = KernelThreads.Count * 4;
        return Math.Max(MicroKernel.Rows, MicroKernel.Rows * ((blocks + items - 1) / items));
    }

    // Receptive fields can be read in place when none overhangs the input and no ReLU must be applied to them first.
    private bool CanReadInPlace(Layout layout, Fusion fusion) =>
        Padding == 0 && (fusion & Fusion.ReluInput) == 0 && PatchSize <= GemmCore.MaxDepth
        && (layout == Layout.Nhwc ? KernelH : InChannels * KernelH) <= MaxSegments;

    // uint8 input in place: bands per image (one per item), about four items per thread when the batch alone gives fewer.
    private static int BandsPerImage(int batch, int oh) => Math.Clamp((KernelThreads.Count * 4 + batch - 1) / Math.Max(batch, 1), 1, oh);

    // Floats one thread converts for a band of uint8 input: every channel's input rows under the band's output rows.
    private int BandFloats(int batch, int width, int oh)
    {
        int bandRows = (oh + BandsPerImage(batch, oh) - 1) / BandsPerImage(batch, oh);
        return InChannels * ((bandRows - 1) * Stride + KernelH) * width;
    }

    private Job CreateJob(int batch, int height, int width, int oh, int ow, PackedPanels weights, float* y, float* scratch, Fusion fusion)
    {
        int rows = batch * oh * ow;
        int bands = BandsPerImage(batch, oh);
        return new Job
        {
            BandRows = (oh + bands - 1) / bands,
            SlotFloats = BandFloats(batch, width, oh),
            C = InChannels, H = height, W = width, OH = oh, OW = ow, KH = KernelH, KW = KernelW, Stride = Stride, Pad = Padding,
            K = PatchSize, Rows = rows, Scratch = scratch, RowsPerItem = RowsPerItem(rows),
            Gemm = new GemmCore.Job
            {
                K = PatchSize, N = OutChannels, B = weights.Data, Bias = weights.Bias, C = y, Ldc = OutChannels, Lda = PatchSize,
                Accumulate = (fusion & Fusion.AddToOutput) != 0, Relu = (fusion & Fusion.ReluOutput) != 0, Isa = KernelIsa.Current,
            },
        };
    }

    private void RunJob(ref Job job)
    {
        int images = job.Rows / (job.OH * job.OW);
        int items = job.InPlace && job.Frames != null
            ? images * ((job.OH + job.BandRows - 1) / job.BandRows)
            : (job.Rows + job.RowsPerItem - 1) / job.RowsPerItem;
        long flops = 2L * job.Rows * job.K * OutChannels;
        delegate*<void*, int, int, void> body = !job.InPlace ? &Execute : job.Frames != null ? &ExecuteFrameBand : &ExecuteInPlace;
        fixed (Job* state = &job)
        {
            if (flops < 2 * KernelThreads.MinFlopsToSplit)
            {
                for (int i = 0; i < items; i++)
                {
                    body(state, i, 0);
                }
            }
            else
            {
                KernelThreads.Run(body, state, items);
            }
        }
    }

    // Output pixels [r0, r0 + rows) of float input, read in place: NCHW segments are (c, ky) kernel rows of KW floats,
    // NHWC segments are ky rows of KW·C floats.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ExecuteInPlace(void* state, int item, int slot)
    {
        ref Job job = ref *(Job*)state;
        int r0 = item * job.RowsPerItem;
        int rows = Math.Min(job.RowsPerItem, job.Rows - r0);
        int segments = job.Nhwc ? job.KH : job.C * job.KH;
        int* offsets = stackalloc int[segments];
        for (int s = 0; s < segments; s++)
        {
            offsets[s] = job.Nhwc ? s * job.W * job.C : (s / job.KH * job.H + s % job.KH) * job.W;
        }
        nint image = (nint)job.C * job.H * job.W;
        nint rowStep = job.Nhwc ? (nint)job.W * job.C : job.W;
        nint pixelStep = job.Nhwc ? (nint)job.Stride * job.C : job.Stride;
        Tiles(job, job.X, image, rowStep, pixelStep, 0, r0, rows, offsets, segments, job.Nhwc ? job.KW * job.C : job.KW);
    }

    // One band of output rows of one uint8 NCHW image: its input rows are converted (× 1/255) into this thread's
    // scratch, then read in place as (c, ky) segments.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ExecuteFrameBand(void* state, int item, int slot)
    {
        ref Job job = ref *(Job*)state;
        int bands = (job.OH + job.BandRows - 1) / job.BandRows;
        int n = item / bands;
        int oy0 = item % bands * job.BandRows;
        int oy1 = Math.Min(job.OH, oy0 + job.BandRows);
        int iy0 = oy0 * job.Stride;
        int bandH = (oy1 - 1 - oy0) * job.Stride + job.KH;
        float* band = job.Scratch + (nint)slot * job.SlotFloats;
        for (int c = 0; c < job.C; c++)
        {
            ConvertFrames(job.Gemm.Isa, job.Frames + (((nint)n * job.C + c) * job.H + iy0) * job.W, band + (nint)c * bandH * job.W, bandH * job.W);
        }
        int segments = job.C * job.KH;
        int* offsets = stackalloc int[segments];
        for (int s = 0; s < segments; s++)
        {
            offsets[s] = (s / job.KH * bandH + s % job.KH) * job.W;
        }
        // Pixels count from the band's first output row, whose receptive fields start at the band's first row.
        int first = (n * job.OH + oy0) * job.OW;
        Tiles(job, band, 0, job.W, job.Stride, first, first, (oy1 - oy0) * job.OW, offsets, segments, job.KW);
    }

    // C rows [r0, r0 + rows) (output pixels, in (n, oy, ox) order) over every panel. Pixel (n, oy, ox)'s receptive
    // field starts at input + (n·image) + oy·stride·rowStep + ox·pixelStep, with pixels counted from first.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tiles(in Job job, float* input, nint image, nint rowStep, nint pixelStep, int first, int r0, int rows, int* offsets, int segments, int length)
    {
        int plane = job.OH * job.OW;
        float** origins = stackalloc float*[MicroKernel.Rows];
        ref readonly GemmCore.Job g = ref job.Gemm;
        nint panelStride = (nint)g.K * MicroKernel.Cols;
        int panels = PackedPanels.PanelCount(g.N);
        int step = MicroKernel.TilePanels(g.Isa);
        for (int q = 0; q < panels; q += step)
        {
            int col = q * MicroKernel.Cols;
            int cols = Math.Min(step * MicroKernel.Cols, g.N - col);
            for (int i = r0; i < r0 + rows; i += MicroKernel.Rows)
            {
                int count = Math.Min(MicroKernel.Rows, r0 + rows - i);
                for (int r = 0; r < count; r++)
                {
                    int pixel = i + r - first;
                    int n = pixel / plane;
                    int p = pixel - n * plane;
                    int oy = p / job.OW;
                    origins[r] = input + n * image + oy * job.Stride * rowStep + (p - oy * job.OW) * pixelStep;
                }
                MicroKernel.SegmentTile(g.Isa, origins, count, offsets, segments, length, g.B + q * panelStride, panelStride, g.C + (nint)i * g.Ldc + col, g.Ldc, cols, g.Bias + col, g.Accumulate, g.Relu);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Execute(void* state, int item, int slot)
    {
        ref Job job = ref *(Job*)state;
        int r0 = item * job.RowsPerItem;
        int rows = Math.Min(job.RowsPerItem, job.Rows - r0);
        float* patches = job.Scratch + (nint)slot * job.RowsPerItem * job.K;
        Gather(job, r0, rows, patches);
        GemmCore.Job gemm = job.Gemm;
        gemm.A = patches;
        gemm.C += (nint)r0 * gemm.Ldc;
        GemmCore.Block(gemm, 0, rows, 0, PackedPanels.PanelCount(gemm.N));
    }

    // dst (rows, K) = the receptive fields of output pixels [r0, r0 + rows), zeros where they overhang the padding.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gather(in Job j, int r0, int rows, float* dst)
    {
        int plane = j.OH * j.OW;
        for (int r = r0; r < r0 + rows; r++, dst += j.K)
        {
            int n = r / plane;
            int pix = r - n * plane;
            int oy = pix / j.OW;
            int iy0 = oy * j.Stride - j.Pad;
            int ix0 = (pix - oy * j.OW) * j.Stride - j.Pad;
            bool inside = ix0 >= 0 && ix0 + j.KW <= j.W;
            if (j.Nhwc)
            {
                float* image = j.X + (nint)n * j.H * j.W * j.C;
                int span = j.KW * j.C;
                for (int ky = 0; ky < j.KH; ky++)
                {
                    int iy = iy0 + ky;
                    float* d = dst + ky * span;
                    if ((uint)iy >= (uint)j.H)
                    {
                        new Span<float>(d, span).Clear();
                    }
                    else if (inside)
                    {
                        CopyFloats(image + ((nint)iy * j.W + ix0) * j.C, d, span, j.ReluInput);
                    }
                    else
                    {
                        for (int kx = 0; kx < j.KW; kx++)
                        {
                            int ix = ix0 + kx;
                            if ((uint)ix < (uint)j.W)
                            {
                                CopyFloats(image + ((nint)iy * j.W + ix) * j.C, d + kx * j.C, j.C, j.ReluInput);
                            }
                            else
                            {
                                new Span<float>(d + kx * j.C, j.C).Clear();
                            }
                        }
                    }
                }
                continue;
            }
            for (int c = 0; c < j.C; c++)
            {
                nint planeStart = ((nint)n * j.C + c) * j.H * j.W;
                for (int ky = 0; ky < j.KH; ky++)
                {
                    int iy = iy0 + ky;
                    float* d = dst + (c * j.KH + ky) * j.KW;
                    if ((uint)iy >= (uint)j.H)
                    {
                        new Span<float>(d, j.KW).Clear();
                        continue;
                    }
                    nint row = planeStart + (nint)iy * j.W;
                    if (inside)
                    {
                        if (j.Frames != null)
                        {
                            ConvertFrames(j.Gemm.Isa, j.Frames + row + ix0, d, j.KW);
                        }
                        else
                        {
                            CopyFloats(j.X + row + ix0, d, j.KW, j.ReluInput);
                        }
                        continue;
                    }
                    for (int kx = 0; kx < j.KW; kx++)
                    {
                        int ix = ix0 + kx;
                        d[kx] = (uint)ix >= (uint)j.W ? 0f
                            : j.Frames != null ? j.Frames[row + ix] * FrameScale
                            : j.ReluInput ? MathF.Max(j.X[row + ix], 0f) : j.X[row + ix];
                    }
                }
            }
        }
    }

    private static void CopyFloats(float* from, float* to, int count, bool relu)
    {
        if (relu)
        {
            TensorPrimitives.Max(new ReadOnlySpan<float>(from, count), 0f, new Span<float>(to, count));
        }
        else
        {
            Buffer.MemoryCopy(from, to, count * sizeof(float), count * sizeof(float));
        }
    }

    // to[i] = from[i] / 255 for i < count, at the thread's vector width (the scalar tail and level round the same).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ConvertFrames(IsaLevel isa, byte* from, float* to, int count)
    {
        int i = 0;
        if (isa >= IsaLevel.Vector256 && Avx2.IsSupported)
        {
            Vector256<float> scale = Vector256.Create(FrameScale);
            for (; i + 8 <= count; i += 8)
            {
                Vector256.Store(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(from + i)) * scale, to + i);
            }
        }
        else if (isa >= IsaLevel.Vector128)
        {
            Vector128<float> scale = Vector128.Create(FrameScale);
            for (; i + 4 <= count; i += 4)
            {
                Vector128<uint> wide = Vector128.WidenLower(Vector128.WidenLower(Vector128.CreateScalar(*(uint*)(from + i)).AsByte()));
                Vector128.Store(Vector128.ConvertToSingle(wide) * scale, to + i);
            }
        }
        for (; i < count; i++)
        {
            to[i] = from[i] * FrameScale;
        }
    }
}
