namespace AgentRnn.Host.Pipeline;

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

    /// <summary>
    /// With one stream and an <see cref="ISequenceBatchModel"/>: frames stepped per model call, in one
    /// <see cref="ISequenceBatchModel.StepSequence"/> (the encoder's weights are read once per call, not once per
    /// frame). The inference thread waits for that many frames (or the stream's end), so this is for offline sources
    /// such as files, where throughput matters and latency does not; the stream gets at least twice as many slots, so
    /// its source reads the next frames while the model steps these. 1 (the default) steps every frame as it arrives.
    /// </summary>
    public int SequenceSteps { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range.</summary>
    public void Validate()
    {
        if (SlotsPerStream < 1 || MaxBatch < 1 || SourceThreads < 0 || MaxWait < TimeSpan.Zero || SequenceSteps < 1)
        {
            throw new ArgumentException(
                $"bad pipeline options: slots={SlotsPerStream} max-batch={MaxBatch} source-threads={SourceThreads} max-wait={MaxWait} sequence-steps={SequenceSteps}");
        }
    }
}
