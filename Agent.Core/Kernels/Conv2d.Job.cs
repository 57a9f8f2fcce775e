using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Agent.Core.Kernels;

// The gather-and-multiply pass behind Conv2d's forward overloads.
public sealed unsafe partial class Conv2d
{
    // Each thread's patch block stays within this many bytes, so it is still in L2 when the micro-kernel reads it.
    private const int PatchBlockBytes = 96 * 1024;

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
    }

    // Rows of output pixels per work item: about four items per thread, each block of patches within PatchBlockBytes.
    private int RowsPerItem(int rows)
    {
        int cap = Math.Max(MicroKernel.Rows, PatchBlockBytes / sizeof(float) / PatchSize / MicroKernel.Rows * MicroKernel.Rows);
        int blocks = (rows + MicroKernel.Rows - 1) / MicroKernel.Rows;
        int items = KernelThreads.Count * 4;
        return Math.Max(MicroKernel.Rows, Math.Min(cap, MicroKernel.Rows * ((blocks + items - 1) / items)));
    }

    private Job CreateJob(int batch, int height, int width, int oh, int ow, PackedPanels weights, float* y, float* scratch, Fusion fusion)
    {
        int rows = batch * oh * ow;
        return new Job
        {
            C = InChannels, H = height, W = width, OH = oh, OW = ow, KH = KernelH, KW = KernelW, Stride = Stride, Pad = Padding,
            K = PatchSize, Rows = rows, Scratch = scratch, RowsPerItem = RowsPerItem(rows),
            Gemm = new GemmCore.Job
            {
                K = PatchSize, N = OutChannels, B = weights.Data, Bias = weights.Bias, C = y, Ldc = OutChannels, Lda = PatchSize,
                Accumulate = (fusion & Fusion.AddToOutput) != 0, Relu = (fusion & Fusion.ReluOutput) != 0, Fma = KernelIsa.UseFma,
            },
        };
    }

    private void RunJob(ref Job job)
    {
        int items = (job.Rows + job.RowsPerItem - 1) / job.RowsPerItem;
        long flops = 2L * job.Rows * job.K * OutChannels;
        fixed (Job* state = &job)
        {
            if (flops < 2 * KernelThreads.MinFlopsToSplit)
            {
                for (int i = 0; i < items; i++)
                {
                    Execute(state, i, 0);
                }
            }
            else
            {
                KernelThreads.Run(&Execute, state, items);
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
                            ConvertFrames(j.Frames + row + ix0, d, j.KW);
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ConvertFrames(byte* from, float* to, int count)
    {
        int i = 0;
        if (Avx2.IsSupported)
        {
            Vector256<float> scale = Vector256.Create(FrameScale);
            for (; i + 8 <= count; i += 8)
            {
                Avx.Store(to + i, Avx.Multiply(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(from + i)), scale));
            }
        }
        for (; i < count; i++)
        {
            to[i] = from[i] * FrameScale;
        }
    }
}
