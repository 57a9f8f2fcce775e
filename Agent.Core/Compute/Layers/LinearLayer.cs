using AgentRnn.Core.Kernels;

namespace AgentRnn.Core.Compute;

/// <summary>
/// A fully connected layer (PyTorch nn.Linear): y (batch, out) = act(x (batch, in) · Wᵀ + b), created by
/// <see cref="ComputeDevice.CreateLinear"/>.
/// </summary>
public abstract class LinearLayer : DeviceLayer
{
    // The upload buffer for host inputs on devices that do not compute in host memory (grown once, released with the layer).
    private DeviceBuffer<float>? _staging;

    /// <summary>Records the geometry; the device packs the weights.</summary>
    protected LinearLayer(ComputeDevice device, int inFeatures, int outFeatures, Activation activation)
        : base(device)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Activation = activation;
    }

    /// <summary>Input width.</summary>
    public int InFeatures { get; }

    /// <summary>Output width.</summary>
    public int OutFeatures { get; }

    /// <summary>The activation applied in the same pass.</summary>
    public Activation Activation { get; }

    /// <summary>y (batch, out) ← act(x (batch, in) · Wᵀ + b). x and y must not overlap.</summary>
    public void Forward(DeviceView<float> x, DeviceView<float> y, int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        Require(x, nameof(x), (long)batch * InFeatures);
        Require(y, nameof(y), (long)batch * OutFeatures);
        ForwardCore(x, y, batch);
    }

    /// <summary>
    /// As <see cref="Forward(DeviceView{float}, DeviceView{float}, int)"/> on x in host memory: a device that computes in
    /// host memory (the CPU) reads it in place; another uploads it first into a buffer the layer keeps for that.
    /// </summary>
    public void Forward(ReadOnlySpan<float> x, DeviceView<float> y, int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        ThrowIfDisposed();
        if (x.Length < (long)batch * InFeatures)
        {
            throw new ArgumentException($"x holds {x.Length} elements, needs {(long)batch * InFeatures}", nameof(x));
        }
        Require(y, nameof(y), (long)batch * OutFeatures);
        ForwardHostCore(x[..(batch * InFeatures)], y, batch);
    }

    /// <summary>Forward from host memory on checked arguments (exactly batch rows); by default uploads, then runs the device forward.</summary>
    protected virtual void ForwardHostCore(ReadOnlySpan<float> x, DeviceView<float> y, int batch)
    {
        DeviceBuffer<float> staging = Device.Grow(ref _staging, x.Length);
        staging.Write(x);
        ForwardCore(staging.Slice(0, x.Length), y, batch);
    }

    private protected override void ReleaseStaging() => _staging?.Dispose();

    /// <summary>Forward on checked arguments.</summary>
    protected abstract void ForwardCore(DeviceView<float> x, DeviceView<float> y, int batch);
}
