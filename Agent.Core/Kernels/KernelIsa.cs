using System.Runtime.Intrinsics.X86;

namespace AgentRnn.Core.Kernels;

/// <summary>
/// Which micro-kernels run: Vector256 FMA where the CPU has AVX2 and FMA, else the portable Vector128 path.
/// Tests force the portable path on their own thread (a job captures the choice when it is dispatched, so pool
/// workers follow the thread that started it).
/// </summary>
internal static class KernelIsa
{
    [ThreadStatic]
    private static bool t_portable;

    /// <summary>True when this thread's kernels use Vector256 FMA.</summary>
    internal static bool UseFma => Fma.IsSupported && Avx2.IsSupported && !t_portable;

    /// <summary>Forces the portable kernels on this thread until the scope is disposed (tests only).</summary>
    internal static PortableScope ForcePortable() => new();

    /// <summary>Restores the CPU's best kernels when disposed.</summary>
    internal readonly struct PortableScope : IDisposable
    {
        private readonly bool _previous;

        public PortableScope()
        {
            _previous = t_portable;
            t_portable = true;
        }

        public void Dispose() => t_portable = _previous;
    }
}
