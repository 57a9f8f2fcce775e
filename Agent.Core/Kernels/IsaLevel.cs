namespace AgentRnn.Core.Kernels;

/// <summary>The vector width the CPU kernels run at, lowest first (<see cref="KernelIsa"/>).</summary>
public enum IsaLevel
{
    /// <summary>Plain scalar loops: no SIMD.</summary>
    Scalar = 0,

    /// <summary>128-bit vectors: SSE on x86, NEON (AdvSimd) on ARM64.</summary>
    Vector128 = 1,

    /// <summary>256-bit vectors with FMA: AVX2 + FMA3 on x86.</summary>
    Vector256 = 2,

    /// <summary>512-bit vectors: AVX-512 on x86.</summary>
    Vector512 = 3,
}
