using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AgentRnn.Core.Kernels;

/// <summary>
/// 2-D max pooling as PyTorch's nn.MaxPool2d (dilation 1, ceil_mode false): padded cells count as −∞,
/// so they never win the max.
/// The NHWC pass spreads output rows over the kernel threads when large enough, at the thread's <see cref="KernelIsa"/>
/// width (a maximum is exact, so every width gives the same floats).
/// Thread-safety: immutable; Forward may be called concurrently.
/// </summary>
internal sealed class MaxPool2d
{
    // Element compares per work item below which waking a worker costs more than it saves.
    private const long MinWorkPerItem = 200_000;

    /// <summary>A square window of <paramref name="kernel"/> cells moved by <paramref name="stride"/>, padded by <paramref name="padding"/>.</summary>
    public MaxPool2d(int kernel, int stride, int padding = 0)
    {
        // PyTorch rejects padding above half the kernel: a window could then see only padding.
        if (kernel <= 0 || stride <= 0 || padding < 0 || padding > kernel / 2)
        {
            throw new ArgumentException($"bad MaxPool2d geometry: kernel={kernel} stride={stride} padding={padding} (padding must be at most kernel/2)");
        }
        Kernel = kernel;
        Stride = stride;
        Padding = padding;
    }

    /// <summary>Window size in both directions.</summary>
    public int Kernel { get; }

    /// <summary>Step in both directions.</summary>
    public int Stride { get; }

    /// <summary>Implicit −∞ padding on every side.</summary>
    public int Padding { get; }

    /// <summary>Output spatial size for an h×w input: ⌊(h + 2p − k) / s⌋ + 1; throws when the window does not fit.</summary>
    public (int Height, int Width) OutputSize(int height, int width)
    {
        if (height <= 0 || width <= 0 || height + 2 * Padding < Kernel || width + 2 * Padding < Kernel)
        {
            throw new ArgumentException($"a {Kernel}x{Kernel} pooling window does not fit a {height}x{width} input with padding {Padding}");
        }
        return ((height + 2 * Padding - Kernel) / Stride + 1, (width + 2 * Padding - Kernel) / Stride + 1);
    }

    /// <summary>x is (batch, channels, h, w); y is (batch, channels, oh, ow) with (oh, ow) = <see cref="OutputSize"/>.</summary>
    public void Forward(ReadOnlySpan<float> x, Span<float> y, int batch, int channels, int height, int width)
    {
        (int oh, int ow) = OutputSize(height, width);
        int planes = batch * channels;
        if (batch < 0 || channels <= 0 || x.Length < (long)planes * height * width || y.Length < (long)planes * oh * ow)
        {
            throw new ArgumentException($"MaxPool2d at batch {batch} on {channels}x{height}x{width}: x has {x.Length}, y has {y.Length} floats");
        }
        for (int plane = 0; plane < planes; plane++)
        {
            ReadOnlySpan<float> xin = x.Slice(plane * height * width, height * width);
            Span<float> yout = y.Slice(plane * oh * ow, oh * ow);
            for (int oy = 0; oy < oh; oy++)
            {
                int y0 = Math.Max(oy * Stride - Padding, 0);
                int y1 = Math.Min(oy * Stride - Padding + Kernel, height);
                for (int ox = 0; ox < ow; ox++)
                {
                    int x0 = Math.Max(ox * Stride - Padding, 0);
                    int x1 = Math.Min(ox * Stride - Padding + Kernel, width);
                    float best = float.NegativeInfinity;
                    for (int iy = y0; iy < y1; iy++)
                    {
                        for (int ix = x0; ix < x1; ix++)
                        {
                            best = MathF.Max(best, xin[iy * width + ix]);
                        }
                    }
                    yout[oy * ow + ox] = best;
                }
            }
        }
    }

    /// <summary>
    /// x is (batch, h, w, channels) NHWC; y is (batch, oh, ow, channels) with (oh, ow) = <see cref="OutputSize"/>.
    /// Output rows spread over the kernel threads when the pass is large enough to pay for waking them.
    /// </summary>
    public unsafe void ForwardNhwc(ReadOnlySpan<float> x, Span<float> y, int batch, int channels, int height, int width)
    {
        (int oh, int ow) = OutputSize(height, width);
        if (batch < 0 || channels <= 0 || x.Length < (long)batch * channels * height * width || y.Length < (long)batch * channels * oh * ow)
        {
            throw new ArgumentException($"MaxPool2d at batch {batch} on {height}x{width}x{channels} (NHWC): x has {x.Length}, y has {y.Length} floats");
        }
        fixed (float* px = x)
        fixed (float* py = y)
        {
            var job = new Job
            {
                X = px, Y = py, Channels = channels, H = height, W = width, OH = oh, OW = ow,
                Kernel = Kernel, Stride = Stride, Padding = Padding, Isa = KernelIsa.Current,
            };
            if (batch == 0)
            {
                return;
            }
            int rows = batch * oh;
            job.Rows = rows;
            // Compares per output row; a row is worth splitting off once the pass holds enough of them.
            long work = (long)rows * ow * channels * Kernel * Kernel;
            int items = (int)Math.Clamp(work / MinWorkPerItem, 1, Math.Min(rows, KernelThreads.Count * 4L));
            job.RowsPerItem = (rows + items - 1) / items;
            KernelThreads.Run(&Execute, &job, (rows + job.RowsPerItem - 1) / job.RowsPerItem);
        }
    }

    /// <summary>One NHWC pass, kept on the caller's stack while the pool runs it.</summary>
    private unsafe struct Job
    {
        public float* X;
        public float* Y;
        public int Channels, H, W, OH, OW, Kernel, Stride, Padding, Rows, RowsPerItem;
        public IsaLevel Isa;
    }

    // Output rows [item·RowsPerItem, …) of all batch·oh rows, in (n, oy) order.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void Execute(void* state, int item, int slot)
    {
        ref Job j = ref *(Job*)state;
        int c = j.Channels;
        int first = item * j.RowsPerItem;
        int end = Math.Min(first + j.RowsPerItem, j.Rows);
        for (int row = first; row < end; row++)
        {
            int n = row / j.OH;
            int oy = row - n * j.OH;
            float* image = j.X + (nint)n * j.H * j.W * c;
            int y0 = Math.Max(oy * j.Stride - j.Padding, 0);
            int y1 = Math.Min(oy * j.Stride - j.Padding + j.Kernel, j.H);
            for (int ox = 0; ox < j.OW; ox++)
            {
                int x0 = Math.Max(ox * j.Stride - j.Padding, 0);
                int x1 = Math.Min(ox * j.Stride - j.Padding + j.Kernel, j.W);
                float* o = j.Y + ((nint)row * j.OW + ox) * c;
                // The window always holds at least one real cell (padding ≤ kernel/2), so it seeds the max.
                Buffer.MemoryCopy(image + ((nint)y0 * j.W + x0) * c, o, (long)c * sizeof(float), (long)c * sizeof(float));
                for (int iy = y0; iy < y1; iy++)
                {
                    for (int ix = x0; ix < x1; ix++)
                    {
                        float* cell = image + ((nint)iy * j.W + ix) * c;
                        int k = 0;
                        if (j.Isa >= IsaLevel.Vector256)
                        {
                            for (; k + Vector256<float>.Count <= c; k += Vector256<float>.Count)
                            {
                                Vector256.Store(Vector256.Max(Vector256.Load(o + k), Vector256.Load(cell + k)), o + k);
                            }
                        }
                        else if (j.Isa == IsaLevel.Vector128)
                        {
                            for (; k + Vector128<float>.Count <= c; k += Vector128<float>.Count)
                            {
                                Vector128.Store(Vector128.Max(Vector128.Load(o + k), Vector128.Load(cell + k)), o + k);
                            }
                        }
                        for (; k < c; k++)
                        {
                            o[k] = MathF.Max(o[k], cell[k]);
                        }
                    }
                }
            }
        }
    }
}
