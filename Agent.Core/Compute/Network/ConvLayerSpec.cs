namespace AgentRnn.Core.Compute.Network;

/// <summary>One encoder convolution followed by ReLU (NatureCNN's layers): weight (out, in, kh, kw), bias (out) or null.</summary>
/// <param name="Weight">(out, in, kh, kw).</param>
/// <param name="Bias">(out), or null for none.</param>
/// <param name="Stride">Stride in both directions.</param>
/// <param name="Padding">Zero padding on every side.</param>
public sealed record ConvLayerSpec(Tensor Weight, Tensor? Bias, int Stride, int Padding = 0);
