namespace AgentRnn.Orleans;

/// <summary>How a silo batches agents' steps and persists their memory.</summary>
public sealed class AgentSiloOptions
{
    /// <summary>The grain storage name the agent grains persist to (register Redis, or any storage, under it).</summary>
    public const string StorageName = "agent-memory";

    /// <summary>Most agents' steps in one batched model step. Default 256.</summary>
    public int MaxBatch { get; set; } = 256;

    /// <summary>
    /// How long the batcher waits, after the first step of a batch arrives, for more before stepping the model.
    /// Zero steps whatever has queued. Default 2 ms: a small latency for a large batch under load.
    /// </summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>
    /// Null (the default): persist every step before <see cref="IAgentGrain.Act"/> returns, so a silo failure loses no
    /// acknowledged step (a step in flight is retried by the caller and applied once).
    /// A positive interval: persist each agent at most this often (and when its grain deactivates). A silo failure then
    /// loses up to this interval of acknowledged steps of the agents on that silo; their next <see cref="IAgentGrain.Act"/>
    /// fails with <see cref="AgentStepException"/> naming the last persisted step, and the caller resends from there.
    /// </summary>
    public TimeSpan? PersistInterval { get; set; }

    /// <summary>Checks the values; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public void Validate()
    {
        if (MaxBatch < 1)
        {
            throw new ArgumentException($"MaxBatch must be at least 1, not {MaxBatch}");
        }
        if (MaxWait < TimeSpan.Zero || MaxWait > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException($"MaxWait must be between 0 and 1 s, not {MaxWait}");
        }
        if (PersistInterval is { } interval && interval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"PersistInterval must be positive (or null for every step), not {interval}");
        }
    }
}
