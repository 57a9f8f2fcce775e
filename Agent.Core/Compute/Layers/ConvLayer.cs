namespace AgentRnn.Core.Compute;

/// <summary>
/// A 2-D convolution (PyTorch nn.Conv2d, groups 1, dilation 1) with its bias and the <see cref="ConvSpec.Fusion"/>
/// steps fused, created by <see cref="ComputeDevice.CreateConv"/>. Input: (batch, in, h, w) NCHW or (batch, h, w, in)
/// NHWC as <see cref="ConvSpec.InputLayout"/> says, or uint8 NCHW frames scaled by <see cref="ConvSpec.InputScale"/>.
/// Output: (batch, oh, ow, out) NHWC.
/// </summary>
public abstract class ConvLayer : DeviceLayer
{
    // Upload buffers for host inputs on devices that do not compute in host memory (grown once, released with the layer).
    private DeviceBuffer<byte>? _bytes;
    private DeviceBuffer<float>? _floats;

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

    /// <summary>
    /// As <see cref="Forward(DeviceView{byte}, DeviceView{float}, int)"/> on frames in host memory (batch, in, h, w):
    /// a device that computes in host memory (the CPU) reads them in place; another uploads them first into a buffer the
    /// layer keeps for that (grown once to the largest batch).
    /// </summary>
    public void Forward(ReadOnlySpan<byte> frames, DeviceView<float> y, int batch)
    {
        Check(y, batch);
        RequireHost(frames.Length, nameof(frames), batch);
        ForwardHostCore(frames[..(batch * Geometry.InputSize)], y, batch);
    }

    /// <summary>As <see cref="Forward(DeviceView{float}, DeviceView{float}, int)"/> on an input in host memory, read in place or uploaded.</summary>
    public void Forward(ReadOnlySpan<float> x, DeviceView<float> y, int batch)
    {
        Check(y, batch);
        RequireHost(x.Length, nameof(x), batch);
        ForwardHostCore(x[..(batch * Geometry.InputSize)], y, batch);
    }

    /// <summary>uint8 forward from host memory on checked arguments (exactly batch frames); by default uploads, then runs the device forward.</summary>
    protected virtual void ForwardHostCore(ReadOnlySpan<byte> frames, DeviceView<float> y, int batch)
    {
        DeviceBuffer<byte> staging = Device.Grow(ref _bytes, frames.Length);
        staging.Write(frames);
        ForwardCore(staging.Slice(0, frames.Length), y, batch);
    }

    /// <summary>Float forward from host memory on checked arguments (exactly batch inputs); by default uploads, then runs the device forward.</summary>
    protected virtual void ForwardHostCore(ReadOnlySpan<float> x, DeviceView<float> y, int batch)
    {
        DeviceBuffer<float> staging = Device.Grow(ref _floats, x.Length);
        staging.Write(x);
        ForwardCore(staging.Slice(0, x.Length), y, batch);
    }

    private protected override void ReleaseStaging()
    {
        _bytes?.Dispose();
        _floats?.Dispose();
    }

    /// <summary>Float forward on checked arguments.</summary>
    protected abstract void ForwardCore(DeviceView<float> x, DeviceView<float> y, int batch);

    /// <summary>uint8 forward on checked arguments.</summary>
    protected abstract void ForwardCore(DeviceView<byte> frames, DeviceView<float> y, int batch);

    private void RequireHost(int length, string name, int batch)
    {
        ThrowIfDisposed();
        if (length < (long)batch * Geometry.InputSize)
        {
            throw new ArgumentException($"{name} holds {length} elements, needs {(long)batch * Geometry.InputSize}", name);
        }
    }

    private void Check(DeviceView<float> y, int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        Require(y, nameof(y), (long)batch * Geometry.OutputSize);
    }
}
