namespace AgentRnn.Core.Kernels;

/// <summary>
/// A fully connected layer as PyTorch's nn.Linear: y = x · Wᵀ + b, with an optional fused activation.
/// Weights are packed once at construction into the GEMM micro-kernel's panels; <see cref="Forward"/> allocates
/// nothing and spreads large batches (or, at batch 1, the output columns) over the kernel threads.
/// Thread-safety: Forward may be called concurrently; the layer holds no per-call state.
/// </summary>
internal sealed unsafe class Linear
{
    private readonly PackedPanels _weight; // Wᵀ (in, out) in 16-column panels, bias padded

    /// <summary>
    /// weight is (outFeatures, inFeatures) row-major; bias is (outFeatures) or empty for none. The weights are stored at
    /// <see cref="LinearPrecision.Current"/> (float32 unless the constructing thread chose otherwise).
    /// </summary>
    public Linear(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outFeatures, int inFeatures)
        : this(weight, bias, outFeatures, inFeatures, LinearPrecision.Current)
    {
    }

    /// <summary>As the other constructor, with the weights stored at <paramref name="precision"/>.</summary>
    public Linear(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outFeatures, int inFeatures, WeightPrecision precision)
    {
        if (outFeatures <= 0 || inFeatures <= 0 || weight.Length != (long)outFeatures * inFeatures)
        {
            throw new ArgumentException($"Linear weight has {weight.Length} floats, expected ({outFeatures}, {inFeatures})");
        }
        if (!bias.IsEmpty && bias.Length != outFeatures)
        {
            throw new ArgumentException($"Linear bias has {bias.Length} floats, expected {outFeatures}");
        }
        OutFeatures = outFeatures;
        InFeatures = inFeatures;
        _weight = PackedPanels.FromTransposed(weight, bias, outFeatures, inFeatures, precision);
    }

    /// <summary>How the weights are stored.</summary>
    public WeightPrecision Precision => _weight.Precision;

    /// <summary>Output width.</summary>
    public int OutFeatures { get; }

    /// <summary>Input width.</summary>
    public int InFeatures { get; }

    /// <summary>x is (batch, in); y is (batch, out).</summary>
    public void Forward(ReadOnlySpan<float> x, Span<float> y, int batch, Activation activation = Activation.None)
    {
        if (batch < 0 || x.Length < (long)batch * InFeatures || y.Length < (long)batch * OutFeatures)
        {
            throw new ArgumentException($"Linear({InFeatures}→{OutFeatures}) at batch {batch}: x has {x.Length}, y has {y.Length} floats");
        }
        fixed (float* px = x)
        fixed (float* py = y)
        {
            GemmCore.Run(px, InFeatures, batch, InFeatures, OutFeatures, _weight.Data, _weight.Bias, py, OutFeatures, accumulate: false, relu: activation == Activation.ReLU, _weight.Half);
        }
        if (activation is not (Activation.None or Activation.ReLU))
        {
            Activations.Apply(activation, y.Slice(0, batch * OutFeatures));
        }
    }
}
