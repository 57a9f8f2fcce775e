using AgentRnn.Core.Kernels;

namespace AgentRnn.Core.Compute;

public abstract partial class ComputeDevice
{
    /// <summary>
    /// A convolution layer: <paramref name="weight"/> is (out, in, kh, kw) as PyTorch stores it, <paramref name="bias"/>
    /// is (out) or empty. The weights are copied (packed) onto the device; the spans are not kept.
    /// </summary>
    public ConvLayer CreateConv(ConvSpec spec, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
    {
        ThrowIfDisposed();
        spec.Validate();
        if (weight.Length != spec.Geometry.WeightSize)
        {
            throw new ArgumentException($"conv weight has {weight.Length} floats, expected ({spec.Geometry.OutChannels}, {spec.Geometry.InChannels}, {spec.Geometry.KernelH}, {spec.Geometry.KernelW})", nameof(weight));
        }
        if (!bias.IsEmpty && bias.Length != spec.Geometry.OutChannels)
        {
            throw new ArgumentException($"conv bias has {bias.Length} floats, expected {spec.Geometry.OutChannels}", nameof(bias));
        }
        return Own(CreateConvCore(spec, weight, bias));
    }

    /// <summary>
    /// A linear layer y = act(x · Wᵀ + b): <paramref name="weight"/> is (outFeatures, inFeatures) as PyTorch stores it,
    /// <paramref name="bias"/> is (outFeatures) or empty. The weights are copied (packed) onto the device.
    /// </summary>
    public LinearLayer CreateLinear(int inFeatures, int outFeatures, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Activation activation = Activation.None)
    {
        ThrowIfDisposed();
        if (inFeatures <= 0 || outFeatures <= 0 || weight.Length != (long)outFeatures * inFeatures)
        {
            throw new ArgumentException($"linear weight has {weight.Length} floats, expected ({outFeatures}, {inFeatures})", nameof(weight));
        }
        if (!bias.IsEmpty && bias.Length != outFeatures)
        {
            throw new ArgumentException($"linear bias has {bias.Length} floats, expected {outFeatures}", nameof(bias));
        }
        if (!Enum.IsDefined(activation))
        {
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation");
        }
        return Own(CreateLinearCore(inFeatures, outFeatures, weight, bias, activation));
    }

    /// <summary>
    /// A recurrent layer with <paramref name="slots"/> zeroed state slots (grow them later with
    /// <see cref="RecurrentLayer.EnsureSlots"/>). <paramref name="parameters"/> maps nn.LSTM/GRU/RNN state_dict names
    /// without a prefix ("weight_ih_l{k}", "weight_hh_l{k}", "bias_ih_l{k}", "bias_hh_l{k}") to tensors; a missing
    /// tensor or a wrong shape throws an <see cref="ArgumentException"/> naming it. The tensors are copied, not kept.
    /// </summary>
    public RecurrentLayer CreateRecurrent(RecurrentSpec spec, Func<string, Tensor> parameters, int slots = 0)
    {
        ThrowIfDisposed();
        spec.Validate();
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegative(slots);
        return Own(CreateRecurrentCore(spec, parameters, slots));
    }

    /// <summary>A max-pooling layer over NHWC activations: a kernel×kernel window moved by stride, −∞ padding.</summary>
    public MaxPoolLayer CreateMaxPool2d(int kernel, int stride, int padding = 0)
    {
        ThrowIfDisposed();
        return Own(CreateMaxPool2dCore(kernel, stride, padding));
    }

    /// <summary>x ← act(x) in place, elementwise (e.g. the ReLU between a CNN's flatten and its linear layer).</summary>
    public void Activate(DeviceView<float> x, Activation activation)
    {
        ThrowIfDisposed();
        RequireOptional(x, nameof(x), 0);
        CheckActivation(activation);
        if (!x.IsEmpty && x.Length > 0 && activation != Activation.None)
        {
            ActivateCore(x, activation);
        }
    }

    /// <summary>Copies <paramref name="source"/> into the start of <paramref name="destination"/> on the device; the views must not overlap.</summary>
    public void Copy(DeviceView<float> source, DeviceView<float> destination)
    {
        ThrowIfDisposed();
        Require(source, nameof(source), 0);
        Require(destination, nameof(destination), source.Length);
        if (ReferenceEquals(source.Buffer, destination.Buffer) && source.Offset < destination.Offset + source.Length && destination.Offset < source.Offset + source.Length)
        {
            throw new ArgumentException("copy source and destination overlap", nameof(destination));
        }
        CopyCore(source, destination.Slice(0, source.Length));
    }

    /// <summary>Creates the device's convolution layer from checked arguments.</summary>
    protected abstract ConvLayer CreateConvCore(ConvSpec spec, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias);

    /// <summary>Creates the device's linear layer from checked arguments.</summary>
    protected abstract LinearLayer CreateLinearCore(int inFeatures, int outFeatures, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Activation activation);

    /// <summary>Creates the device's recurrent layer; the spec is valid, the parameters still need their shape checks.</summary>
    protected abstract RecurrentLayer CreateRecurrentCore(RecurrentSpec spec, Func<string, Tensor> parameters, int slots);

    /// <summary>Creates the device's max-pooling layer (the layer's constructor checks the window).</summary>
    protected abstract MaxPoolLayer CreateMaxPool2dCore(int kernel, int stride, int padding);

    /// <summary>In-place activation on a checked, non-empty view.</summary>
    protected abstract void ActivateCore(DeviceView<float> x, Activation activation);

    /// <summary>Device-to-device copy of equal-length, non-overlapping views.</summary>
    protected abstract void CopyCore(DeviceView<float> source, DeviceView<float> destination);
}
