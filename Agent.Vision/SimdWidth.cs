namespace AgentRnn.Vision;

/// <summary>Vector width a managed kernel runs at; the value is the number of float lanes.</summary>
internal enum SimdWidth
{
    /// <summary>Plain scalar code.</summary>
    Scalar = 1,

    /// <summary>Vector128 (SSE, NEON).</summary>
    Vector128 = 4,

    /// <summary>Vector256 (AVX2).</summary>
    Vector256 = 8,

    /// <summary>Vector512 (AVX-512).</summary>
    Vector512 = 16,
}
