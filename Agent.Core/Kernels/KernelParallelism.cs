namespace AgentRnn.Core.Kernels;

/// <summary>
/// How many threads the CPU kernels may use for one call: the calling thread plus up to
/// <see cref="MaxThreads"/> − 1 of the process's kernel workers. Process-wide, like the worker pool it limits.
/// A pipeline that decodes video at batch 1 runs the model fastest on one thread: the decoder's threads keep the
/// cores busy, and each worker wake-up costs more than it saves on a 15 MFLOP frame (BENCHMARKS.md).
/// </summary>
public static class KernelParallelism
{
    private static int _maxThreads = KernelThreads.Count;

    [ThreadStatic]
    private static int t_limit;

    /// <summary>Threads a kernel call could use: the workers started for this machine's processors, plus the caller.</summary>
    public static int Available => KernelThreads.Count;

    /// <summary>
    /// The most threads one kernel call uses, 1 ≤ value ≤ <see cref="Available"/>; 1 runs every kernel on the calling
    /// thread. Defaults to <see cref="Available"/>. Takes effect from the next kernel call.
    /// </summary>
    public static int MaxThreads
    {
        get => Volatile.Read(ref _maxThreads);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, Available);
            Volatile.Write(ref _maxThreads, value);
        }
    }

    /// <summary>
    /// The threads a kernel call on this thread may use: <see cref="MaxThreads"/>, lowered by the innermost
    /// <see cref="Limit"/> scope on this thread (a device's per-instance thread count).
    /// </summary>
    internal static int Effective
    {
        get
        {
            int max = MaxThreads;
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
