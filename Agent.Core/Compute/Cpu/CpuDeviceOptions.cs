using AgentRnn.Core.Kernels;

namespace AgentRnn.Core.Compute.Cpu;

/// <summary>
/// Settings of one <see cref="CpuDevice"/>. They belong to the instance: two plugins in one process, each with its own
/// device, do not change each other's threads or weight precision.
/// </summary>
public sealed record CpuDeviceOptions
{
    /// <summary>The default: every kernel thread, weights at the constructing thread's default precision.</summary>
    public static CpuDeviceOptions Default { get; } = new();

    /// <summary>
    /// The most threads one layer call uses, the calling thread included: 0 (the default) for every kernel thread the
    /// machine has, 1 to run every layer on the calling thread (best when the caller's other threads keep the cores
    /// busy, e.g. decoding video at batch 1). Values above <see cref="AvailableThreads"/> mean all of them.
    /// </summary>
    public int Threads { get; init; }

    /// <summary>
    /// How linear and recurrent weights are stored: null (the default) takes the precision in force on the thread that
    /// creates the layer (float32 unless a <see cref="LinearPrecision.Use"/> scope says otherwise).
    /// </summary>
    public WeightPrecision? WeightPrecision { get; init; }

    /// <summary>Kernel threads this machine offers: its worker threads plus the caller.</summary>
    public static int AvailableThreads => KernelParallelism.Available;

    /// <summary>Throws a one-line <see cref="ArgumentException"/> for a negative thread count.</summary>
    public void Validate()
    {
        if (Threads < 0)
        {
            throw new ArgumentException($"CPU device threads must be 0 (all) or more, not {Threads}");
        }
    }
}
