using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Agent.Core.Kernels;

/// <summary>
/// 2-D max pooling as PyTorch's nn.MaxPool2d (dilation 1, ceil_mode false): padded cells count as −∞,
/// so they never win the max.
/// Thread-safety: immutable; Forward may be called concurrently.
/// </summary>
public sealed class MaxPool2d
{
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

    /// <summary>x is (batch, h, w, channels) NHWC; y is (batch, oh, ow, channels) with (oh, ow) = <see cref="OutputSize"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void ForwardNhwc(ReadOnlySpan<float> x, Span<float> y, int batch, int channels, int height, int width)
    {
        (int oh, int ow) = OutputSize(height, width);
        if (batch < 0 || channels <= 0 || x.Length < (long)batch * channels * height * width || y.Length < (long)batch * channels * oh * ow)
        {
            throw new ArgumentException($"MaxPool2d at batch {batch} on {height}x{width}x{channels} (NHWC): x has {x.Length}, y has {y.Length} floats");
        }
        int vectorEnd = channels - channels % Vector256<float>.Count;
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> image = x.Slice(n * height * width * channels, height * width * channels);
            for (int oy = 0; oy < oh; oy++)
            {
                int y0 = Math.Max(oy * Stride - Padding, 0);
                int y1 = Math.Min(oy * Stride - Padding + Kernel, height);
                for (int ox = 0; ox < ow; ox++)
                {
                    int x0 = Math.Max(ox * Stride - Padding, 0);
                    int x1 = Math.Min(ox * Stride - Padding + Kernel, width);
                    Span<float> o = y.Slice(((n * oh + oy) * ow + ox) * channels, channels);
                    // The window always holds at least one real cell (padding ≤ kernel/2), so it seeds the max.
                    image.Slice((y0 * width + x0) * channels, channels).CopyTo(o);
                    for (int iy = y0; iy < y1; iy++)
                    {
                        for (int ix = x0; ix < x1; ix++)
                        {
                            ReadOnlySpan<float> cell = image.Slice((iy * width + ix) * channels, channels);
                            int c = 0;
                            for (; c < vectorEnd; c += Vector256<float>.Count)
                            {
                                Vector256.Max(Vector256.Create(o.Slice(c)), Vector256.Create(cell.Slice(c))).CopyTo(o.Slice(c));
                            }
                            for (; c < channels; c++)
                            {
                                o[c] = MathF.Max(o[c], cell[c]);
                            }
                        }
                    }
                }
            }
        }
    }
}
