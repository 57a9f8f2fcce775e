using AgentRnn.Core.Kernels;

namespace AgentRnn.Core.Compute;

/// <summary>
/// A fully connected layer (PyTorch nn.Linear): y (batch, out) = act(x (batch, in) · Wᵀ + b), created by
/// <see cref="ComputeDevice.CreateLinear"/>.
/// </summary>
public abstract class LinearLayer : DeviceLayer
{
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

    /// <summary>Forward on checked arguments.</summary>
    protected abstract void ForwardCore(DeviceView<float> x, DeviceView<float> y, int batch);
}
