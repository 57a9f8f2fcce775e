using AgentRnn.Core.Kernels;

namespace AgentRnn.Core.Compute;

/// <summary>
/// What a <see cref="ConvLayer"/> computes: the convolution's <see cref="Geometry"/>, the order its float input
/// arrives in, the elementwise steps fused into the same pass, and the scale applied to uint8 frames.
/// The output is always NHWC (batch, oh, ow, out): the order the fast convolutions write and the next layer reads.
/// </summary>
/// <param name="Geometry">Channels, input size, kernel, stride and padding.</param>
/// <param name="InputLayout">Order of the float input: NCHW (frames, PyTorch order) or NHWC (a previous layer's output).</param>
/// <param name="Fusion">ReLU on the input, ReLU on the output, and/or adding to what the output already holds (a residual connection).</param>
/// <param name="InputScale">Multiplies uint8 frames before the product (1/255 for [0, 1] inputs); unused by float inputs.</param>
public readonly record struct ConvSpec(ConvGeometry Geometry, Layout InputLayout = Layout.Nchw, Fusion Fusion = Fusion.None, float InputScale = 1f / 255f)
{
    /// <summary>Throws a one-line <see cref="ArgumentException"/> when the spec cannot describe a layer.</summary>
    public void Validate()
    {
        if (Geometry.InChannels == 0)
        {
            throw new ArgumentException("conv geometry is unset");
        }
        if (!Enum.IsDefined(InputLayout))
        {
            throw new ArgumentException($"unknown conv input layout {InputLayout}");
        }
        if ((Fusion & ~(Fusion.ReluInput | Fusion.ReluOutput | Fusion.AddToOutput)) != 0)
        {
            throw new ArgumentException($"unknown conv fusion {Fusion}");
        }
        if (!float.IsFinite(InputScale) || InputScale <= 0f)
        {
            throw new ArgumentException($"conv input scale {InputScale} must be a positive finite number");
        }
    }
}
