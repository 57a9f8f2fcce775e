namespace Agent.Host.Pipeline;

/// <summary>Sizes and limits of an <see cref="InferencePipeline"/>.</summary>
public sealed record PipelineOptions
{
    /// <summary>
    /// Observation slots per stream: how many frames a stream may have in flight before its source waits. Two let the
    /// next frame be decoded while one is in the model; a third absorbs a slow sink. More only add latency.
    /// </summary>
    public int SlotsPerStream { get; init; } = 3;

    /// <summary>Largest batch the model steps (at most one frame per stream per batch).</summary>
    public int MaxBatch { get; init; } = 64;

    /// <summary>How long the inference thread waits for more streams' frames before stepping a partial batch.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Threads that read sources (decode + preprocess); 0 picks min(streams, processor count).</summary>
    public int SourceThreads { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range.</summary>
    public void Validate()
    {
        if (SlotsPerStream < 1 || MaxBatch < 1 || SourceThreads < 0 || MaxWait < TimeSpan.Zero)
        {
            throw new ArgumentException(
                $"bad pipeline options: slots={SlotsPerStream} max-batch={MaxBatch} source-threads={SourceThreads} max-wait={MaxWait}");
        }
    }
}
