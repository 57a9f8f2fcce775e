namespace AgentRnn.Core.Compute;

/// <summary>
/// The shape of one nn.Conv2d application (groups = 1, dilation = 1): input channels and size, output channels,
/// square-stride kernel and zero padding. Weight is (OutChannels, InChannels, KernelH, KernelW).
/// </summary>
public readonly record struct ConvGeometry
{
    /// <summary>Checks and stores the geometry; throws when the kernel does not fit the padded input.</summary>
    public ConvGeometry(int inChannels, int height, int width, int outChannels, int kernelH, int kernelW, int stride = 1, int padding = 0)
    {
        if (inChannels <= 0 || height <= 0 || width <= 0 || outChannels <= 0 || kernelH <= 0 || kernelW <= 0 || stride <= 0 || padding < 0
            || height + 2 * padding < kernelH || width + 2 * padding < kernelW)
        {
            throw new ArgumentException($"bad conv geometry: input {inChannels}x{height}x{width}, out {outChannels}, kernel {kernelH}x{kernelW}, stride {stride}, padding {padding}");
        }
        InChannels = inChannels;
        Height = height;
        Width = width;
        OutChannels = outChannels;
        KernelH = kernelH;
        KernelW = kernelW;
        Stride = stride;
        Padding = padding;
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Input height.</summary>
    public int Height { get; }
    /// <summary>Input width.</summary>
    public int Width { get; }
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

    /// <summary>Output height: (Height + 2·Padding − KernelH) / Stride + 1.</summary>
    public int OutHeight => (Height + 2 * Padding - KernelH) / Stride + 1;
    /// <summary>Output width: (Width + 2·Padding − KernelW) / Stride + 1.</summary>
    public int OutWidth => (Width + 2 * Padding - KernelW) / Stride + 1;
    /// <summary>Elements of one input sample: InChannels·Height·Width.</summary>
    public int InputSize => InChannels * Height * Width;
    /// <summary>Elements of one output sample: OutChannels·OutHeight·OutWidth.</summary>
    public int OutputSize => OutChannels * OutHeight * OutWidth;
    /// <summary>Elements of the weight: OutChannels·InChannels·KernelH·KernelW.</summary>
    public int WeightSize => OutChannels * InChannels * KernelH * KernelW;
}
