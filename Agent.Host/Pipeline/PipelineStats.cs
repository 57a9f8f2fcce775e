namespace AgentRnn.Host.Pipeline;

/// <summary>What a finished <see cref="InferencePipeline"/> run did and how long each stage was busy.</summary>
public sealed class PipelineStats
{
    /// <summary>Number of streams.</summary>
    public required int Streams { get; init; }

    /// <summary>Frames that went through the model and reached the sink, all streams together.</summary>
    public required long Frames { get; init; }

    /// <summary>Wall time from start to the last stream's end.</summary>
    public required TimeSpan Wall { get; init; }

    /// <summary>Batched model steps.</summary>
    public required long Steps { get; init; }

    /// <summary>Time inside <see cref="IFrameSource.Read"/>, summed over source threads.</summary>
    public required TimeSpan SourceBusy { get; init; }

    /// <summary>Time inside <see cref="IBatchModel.Step"/> plus the batch gather and scatter.</summary>
    public required TimeSpan ModelBusy { get; init; }

    /// <summary>Time inside the sink's callbacks.</summary>
    public required TimeSpan SinkBusy { get; init; }

    /// <summary>Per-frame latency from the source finishing a frame to the sink receiving its result.</summary>
    public required LatencyHistogram Latency { get; init; }

    /// <summary>Bytes allocated by the pipeline's threads during the run (sources, model and sink included).</summary>
    public required long AllocatedBytes { get; init; }

    /// <summary>Threads the pipeline started (source threads, one inference thread, one sink thread).</summary>
    public required int Threads { get; init; }

    /// <summary>How each stream ended, by stream index.</summary>
    public required IReadOnlyList<StreamEnd> Ends { get; init; }

    /// <summary>Frames per second over the wall time.</summary>
    public double Fps => Wall > TimeSpan.Zero ? Frames / Wall.TotalSeconds : 0;

    /// <summary>Mean frames per model step.</summary>
    public double MeanBatch => Steps > 0 ? (double)Frames / Steps : 0;
}
