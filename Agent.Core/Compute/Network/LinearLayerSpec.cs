using AgentRnn.Core.Kernels;

namespace AgentRnn.Core.Compute.Network;

/// <summary>A fully connected layer y = act(x · Wᵀ + b): weight (out, in), bias (out) or null.</summary>
/// <param name="Weight">(out, in).</param>
/// <param name="Bias">(out), or null for none.</param>
/// <param name="Activation">Applied to the output (heads use None).</param>
public sealed record LinearLayerSpec(Tensor Weight, Tensor? Bias, Activation Activation = Activation.None);
