using System.Numerics.Tensors;

namespace Agent.Core.Kernels;

/// <summary>
/// A fully connected layer as PyTorch's nn.Linear: y = x · Wᵀ + b, with an optional fused activation.
/// Weights are copied (and may be repacked) once at construction; <see cref="Forward"/> allocates nothing.
/// Thread-safety: Forward may be called concurrently; the layer holds no per-call state.
/// </summary>
public sealed class Linear
{
    private readonly float[] _weight; // (out, in)
    private readonly float[] _bias;   // (out) or zeros

    /// <summary>weight is (outFeatures, inFeatures) row-major; bias is (outFeatures) or empty for none.</summary>
    public Linear(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outFeatures, int inFeatures)
    {
        if (outFeatures <= 0 || inFeatures <= 0 || weight.Length != outFeatures * inFeatures)
        {
            throw new ArgumentException($"Linear weight has {weight.Length} floats, expected ({outFeatures}, {inFeatures})");
        }
        if (!bias.IsEmpty && bias.Length != outFeatures)
        {
            throw new ArgumentException($"Linear bias has {bias.Length} floats, expected {outFeatures}");
        }
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        _weight = weight.ToArray();
        _bias = bias.IsEmpty ? new float[outFeatures] : bias.ToArray();
    }

    /// <summary>Output width.</summary>
    public int OutFeatures { get; }

    /// <summary>Input width.</summary>
    public int InFeatures { get; }

    /// <summary>x is (batch, in); y is (batch, out).</summary>
    public void Forward(ReadOnlySpan<float> x, Span<float> y, int batch, Activation activation = Activation.None)
    {
        if (x.Length < batch * InFeatures || y.Length < batch * OutFeatures)
        {
            throw new ArgumentException($"Linear({InFeatures}→{OutFeatures}) at batch {batch}: x has {x.Length}, y has {y.Length} floats");
        }
        Gemm.MultiplyTransposedB(x, _weight, y, batch, OutFeatures, InFeatures);
        for (int i = 0; i < batch; i++)
        {
            Span<float> row = y.Slice(i * OutFeatures, OutFeatures);
            TensorPrimitives.Add(row, _bias, row);
            Activations.Apply(activation, row);
        }
    }
}
