namespace AgentRnn.Core.Kernels;

/// <summary>
/// How many threads the CPU kernels may use for one call: the calling thread plus up to <see cref="Available"/> − 1
/// of the process's kernel workers, lowered per call by the innermost <see cref="Limit"/> scope on the calling thread.
/// There is no process-wide setting: each CPU device enters its own limit (<c>CpuDeviceOptions.Threads</c>) around
/// its layer calls, so two plugins in one process, each with its own device, do not change each other's threads.
/// A pipeline that decodes video at batch 1 runs the model fastest on one thread: the decoder's threads keep the
/// cores busy, and each worker wake-up costs more than it saves on a 15 MFLOP frame (BENCHMARKS.md).
/// </summary>
public static class KernelParallelism
{
    [ThreadStatic]
    private static int t_limit;

    /// <summary>Threads a kernel call could use: the workers started for this machine's processors, plus the caller.</summary>
    public static int Available => KernelThreads.Count;

    /// <summary>
    /// The threads a kernel call on this thread may use: <see cref="Available"/>, lowered by the innermost
    /// <see cref="Limit"/> scope on this thread (a device's per-instance thread count).
    /// </summary>
    internal static int Effective
    {
        get
        {
            int max = Available;
            int limit = t_limit;
            return limit > 0 && limit < max ? limit : max;
        }
    }

    /// <summary>Until disposed, kernel calls on this thread use at most <paramref name="threads"/> threads (0: no limit).</summary>
    internal static Scope Limit(int threads) => new(threads);

    /// <summary>Restores the previous per-thread limit when disposed; dispose on the same thread.</summary>
    internal readonly struct Scope : IDisposable
    {
        private readonly int _previous;

        public Scope(int threads)
        {
            _previous = t_limit;
            t_limit = threads;
        }

        public void Dispose() => t_limit = _previous;
    }
}
