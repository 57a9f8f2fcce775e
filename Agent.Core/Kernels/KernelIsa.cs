using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AgentRnn.Core.Kernels;

/// <summary>
/// Which micro-kernels run, chosen at run time from what the CPU accelerates: Vector512 (AVX-512) where the runtime
/// accelerates 512-bit vectors, else Vector256 where AVX2 and FMA are present, else Vector128 (SSE, ARM64 NEON), else
/// scalar loops. Every level computes the same products in its own summation order, within float rounding.
/// Tests force a level on their own thread (<see cref="Force"/>); a kernel job captures the level when it is dispatched,
/// so pool workers follow the thread that started it.
/// </summary>
internal static class KernelIsa
{
    [ThreadStatic]
    private static IsaLevel? t_forced;

    /// <summary>The widest level this CPU (and runtime) accelerates.</summary>
    public static IsaLevel Best { get; } = Detect();

    /// <summary>The level kernels started on this thread use: <see cref="Best"/> unless a test forced another.</summary>
    public static IsaLevel Current => t_forced ?? Best;

    /// <summary>The level's name as the bench prints it, e.g. "AVX2" or "NEON".</summary>
    public static string Describe(IsaLevel level) => level switch
    {
        IsaLevel.Vector512 => "AVX-512",
        IsaLevel.Vector256 => "AVX2",
        IsaLevel.Vector128 => System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? "NEON" : "SSE",
        _ => "scalar",
    };

    /// <summary>
    /// Makes kernels started on this thread use <paramref name="level"/> until the scope is disposed (tests and
    /// calibration). A level above <see cref="Best"/> still computes correctly: the runtime emulates wider vectors in
    /// software, slowly, which is how the AVX-512 path is tested on machines without it.
    /// </summary>
    internal static Scope Force(IsaLevel level) => new(level);

    private static IsaLevel Detect()
    {
        if (Vector512.IsHardwareAccelerated)
        {
            return IsaLevel.Vector512;
        }
        if (Vector256.IsHardwareAccelerated && Avx2.IsSupported && Fma.IsSupported)
        {
            return IsaLevel.Vector256;
        }
        return Vector128.IsHardwareAccelerated ? IsaLevel.Vector128 : IsaLevel.Scalar;
    }

    /// <summary>Restores the previous level when disposed.</summary>
    internal readonly struct Scope : IDisposable
    {
        private readonly IsaLevel? _previous;

        public Scope(IsaLevel level)
        {
            _previous = t_forced;
            t_forced = level;
        }

        public void Dispose() => t_forced = _previous;
    }
}
