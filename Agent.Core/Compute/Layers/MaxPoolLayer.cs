using AgentRnn.Core.Kernels;

namespace AgentRnn.Core.Compute;

/// <summary>
/// 2-D max pooling (PyTorch nn.MaxPool2d, dilation 1, ceil_mode false; padded cells never win) over NHWC activations,
/// created by <see cref="ComputeDevice.CreateMaxPool2d"/>.
/// </summary>
public abstract class MaxPoolLayer : DeviceLayer
{
    /// <summary>Checks the window: padding at most kernel/2, as PyTorch requires.</summary>
    protected MaxPoolLayer(ComputeDevice device, int kernel, int stride, int padding)
        : base(device)
    {
        _geometry = new MaxPool2d(kernel, stride, padding);
    }

    // The window's checks and output size are the CPU kernel's, so every device agrees with it.
    private readonly MaxPool2d _geometry;

    /// <summary>Window size in both directions.</summary>
    public int Kernel => _geometry.Kernel;

    /// <summary>Step in both directions.</summary>
    public int Stride => _geometry.Stride;

    /// <summary>Implicit −∞ padding on every side.</summary>
    public int Padding => _geometry.Padding;

    /// <summary>Output spatial size for an h×w input: ⌊(h + 2p − k) / s⌋ + 1; throws when the window does not fit.</summary>
    public (int Height, int Width) OutputSize(int height, int width) => _geometry.OutputSize(height, width);

    /// <summary>y (batch, oh, ow, channels) ← max-pool(x (batch, h, w, channels)), both NHWC.</summary>
    public void Forward(DeviceView<float> x, DeviceView<float> y, int batch, int channels, int height, int width)
    {
        (int oh, int ow) = OutputSize(height, width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        Require(x, nameof(x), (long)batch * channels * height * width);
        Require(y, nameof(y), (long)batch * channels * oh * ow);
        ForwardCore(x, y, batch, channels, height, width);
    }

    /// <summary>Forward on checked arguments.</summary>
    protected abstract void ForwardCore(DeviceView<float> x, DeviceView<float> y, int batch, int channels, int height, int width);
}
