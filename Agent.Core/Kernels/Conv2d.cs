namespace Agent.Core.Kernels;

/// <summary>
/// A 2-D convolution as PyTorch's nn.Conv2d (groups = 1, dilation = 1) with an optional fused activation.
/// Weights (out, in, kh, kw) are copied once at construction.
/// Thread-safety: Forward may be called concurrently; the layer holds no per-call state.
/// </summary>
public sealed class Conv2d
{
    private readonly float[] _weight; // (out, in, kh, kw)
    private readonly float[] _bias;   // (out)

    /// <summary>weight is (outChannels, inChannels, kernelH, kernelW); bias is (outChannels) or empty.</summary>
    public Conv2d(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int inChannels, int outChannels, int kernelH, int kernelW, int stride = 1, int padding = 0)
    {
        if (inChannels <= 0 || outChannels <= 0 || kernelH <= 0 || kernelW <= 0 || stride <= 0 || padding < 0)
        {
            throw new ArgumentException($"bad Conv2d geometry: in={inChannels} out={outChannels} k={kernelH}x{kernelW} stride={stride} pad={padding}");
        }
        if (weight.Length != outChannels * inChannels * kernelH * kernelW)
        {
            throw new ArgumentException($"Conv2d weight has {weight.Length} floats, expected ({outChannels}, {inChannels}, {kernelH}, {kernelW})");
        }
        if (!bias.IsEmpty && bias.Length != outChannels)
        {
            throw new ArgumentException($"Conv2d bias has {bias.Length} floats, expected {outChannels}");
        }
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelH = kernelH;
        KernelW = kernelW;
        Stride = stride;
        Padding = padding;
        _weight = weight.ToArray();
        _bias = bias.IsEmpty ? new float[outChannels] : bias.ToArray();
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Output channels.</summary>
    public int OutChannels { get; }
    /// <summary>Kernel height.</summary>
    public int KernelH { get; }
    /// <summary>Kernel width.</summary>
    public int KernelW { get; }
    /// <summary>Stride in both directions.</summary>
    public int Stride { get; }
    /// <summary>Zero padding on every side.</summary>
    public int Padding { get; }

    /// <summary>Output spatial size for an h×w input; throws when the kernel does not fit.</summary>
    public (int Height, int Width) OutputSize(int height, int width)
    {
        int oh = (height + 2 * Padding - KernelH) / Stride + 1;
        int ow = (width + 2 * Padding - KernelW) / Stride + 1;
        if (height + 2 * Padding < KernelH || width + 2 * Padding < KernelW)
        {
            throw new ArgumentException($"a {KernelH}x{KernelW} kernel does not fit a {height}x{width} input with padding {Padding}");
        }
        return (oh, ow);
    }

    /// <summary>x is (batch, in, h, w); y is (batch, out, oh, ow) with (oh, ow) = <see cref="OutputSize"/>.</summary>
    public void Forward(ReadOnlySpan<float> x, Span<float> y, int batch, int height, int width, Activation activation = Activation.None)
    {
        (int oh, int ow) = OutputSize(height, width);
        int inPlane = height * width;
        int outPlane = oh * ow;
        if (x.Length < batch * InChannels * inPlane || y.Length < batch * OutChannels * outPlane)
        {
            throw new ArgumentException($"Conv2d at batch {batch} on {InChannels}x{height}x{width}: x has {x.Length}, y has {y.Length} floats");
        }
        for (int n = 0; n < batch; n++)
        {
            ReadOnlySpan<float> xin = x.Slice(n * InChannels * inPlane, InChannels * inPlane);
            for (int o = 0; o < OutChannels; o++)
            {
                Span<float> yout = y.Slice((n * OutChannels + o) * outPlane, outPlane);
                for (int oy = 0; oy < oh; oy++)
                {
                    for (int ox = 0; ox < ow; ox++)
                    {
                        float acc = _bias[o];
                        for (int c = 0; c < InChannels; c++)
                        {
                            int wBase = ((o * InChannels) + c) * KernelH * KernelW;
                            for (int ky = 0; ky < KernelH; ky++)
                            {
                                int iy = oy * Stride - Padding + ky;
                                if ((uint)iy >= (uint)height)
                                {
                                    continue;
                                }
                                for (int kx = 0; kx < KernelW; kx++)
                                {
                                    int ix = ox * Stride - Padding + kx;
                                    if ((uint)ix < (uint)width)
                                    {
                                        acc += _weight[wBase + ky * KernelW + kx] * xin[c * inPlane + iy * width + ix];
                                    }
                                }
                            }
                        }
                        yout[oy * ow + ox] = acc;
                    }
                }
                Activations.Apply(activation, yout);
            }
        }
    }
}
