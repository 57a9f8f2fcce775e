namespace AgentRnn.Core.Compute;

/// <summary>
/// A 2-D convolution (PyTorch nn.Conv2d, groups 1, dilation 1) with its bias and the <see cref="ConvSpec.Fusion"/>
/// steps fused, created by <see cref="ComputeDevice.CreateConv"/>. Input: (batch, in, h, w) NCHW or (batch, h, w, in)
/// NHWC as <see cref="ConvSpec.InputLayout"/> says, or uint8 NCHW frames scaled by <see cref="ConvSpec.InputScale"/>.
/// Output: (batch, oh, ow, out) NHWC.
/// </summary>
public abstract class ConvLayer : DeviceLayer
{
    /// <summary>Checks the spec; the device packs the weights.</summary>
    protected ConvLayer(ComputeDevice device, ConvSpec spec)
        : base(device)
    {
        spec.Validate();
        Spec = spec;
    }

    /// <summary>What the layer computes.</summary>
    public ConvSpec Spec { get; }

    /// <summary>The geometry (shortcut for Spec.Geometry).</summary>
    public ConvGeometry Geometry => Spec.Geometry;

    /// <summary>y (batch, oh, ow, out) NHWC ← conv(x) with the spec's fusion; x in the spec's input layout.</summary>
    public void Forward(DeviceView<float> x, DeviceView<float> y, int batch)
    {
        Check(y, batch);
        Require(x, nameof(x), (long)batch * Geometry.InputSize);
        ForwardCore(x, y, batch);
    }

    /// <summary>y (batch, oh, ow, out) NHWC ← conv(frames · InputScale); frames is (batch, in, h, w) uint8 NCHW.</summary>
    public void Forward(DeviceView<byte> frames, DeviceView<float> y, int batch)
    {
        Check(y, batch);
        Require(frames, nameof(frames), (long)batch * Geometry.InputSize);
        ForwardCore(frames, y, batch);
    }

    /// <summary>Float forward on checked arguments.</summary>
    protected abstract void ForwardCore(DeviceView<float> x, DeviceView<float> y, int batch);

    /// <summary>uint8 forward on checked arguments.</summary>
    protected abstract void ForwardCore(DeviceView<byte> frames, DeviceView<float> y, int batch);

    private void Check(DeviceView<float> y, int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        Require(y, nameof(y), (long)batch * Geometry.OutputSize);
    }
}
