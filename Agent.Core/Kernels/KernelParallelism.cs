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
}
