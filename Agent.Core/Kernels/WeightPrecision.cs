namespace AgentRnn.Core.Kernels;

/// <summary>How a <see cref="Linear"/> layer stores its weights. Arithmetic is float32 either way.</summary>
public enum WeightPrecision
{
    /// <summary>float32 weights: results equal PyTorch's float32 layer within float rounding.</summary>
    Float32 = 0,

    /// <summary>
    /// bfloat16 weights (float32's top 16 bits, rounded to nearest even), widened to float32 in registers as they are
    /// read: half the weight bytes per call, which is what bounds a batch-1 layer; products and sums stay float32.
    /// Each weight carries a relative rounding error up to 2⁻⁹; the bias stays float32.
    /// </summary>
    BFloat16 = 1,
}
