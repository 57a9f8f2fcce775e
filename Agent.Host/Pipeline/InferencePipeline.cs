namespace AgentRnn.Host.Pipeline;

/// <summary>
/// The host loop: several <see cref="IFrameSource"/> streams → one batched <see cref="IBatchModel"/> → an
/// <see cref="IResultSink"/>, each stage on its own threads, joined by bounded channels.
/// </summary>
/// <remarks>
/// <para>Each stream owns <see cref="PipelineOptions.SlotsPerStream"/> preallocated observation/result slots; a
/// stream's source waits for a free slot (backpressure), fills it, and passes a token naming it on. The inference
/// thread steps at most one frame per stream per batch (a stream's frames must be stepped in order; extras wait in
/// a per-stream ring), up to <see cref="PipelineOptions.MaxBatch"/> frames or <see cref="PipelineOptions.MaxWait"/>.
/// Each stream's recurrent state lives in the model (for <see cref="PolicyBatchModel"/>, in its network's slots,
/// booked by a <see cref="Memory.StreamStateStore"/>), zeroed at the stream's first frame; it carries across the whole stream.</para>
/// <para>Nothing is allocated per frame once the run has started. Cancellation stops the sources; frames already
/// read still go through the model and reach the sink, then every stream gets its <see cref="IResultSink.OnStreamEnd"/>.</para>
/// <para>One run at a time per instance.</para>
/// </remarks>
public sealed partial class InferencePipeline
{
    private Run? _current;

    /// <summary>Creates a pipeline around a model.</summary>
    public InferencePipeline(IBatchModel model, PipelineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new PipelineOptions();
        options.Validate();
        Model = model;
        Options = options;
    }

    /// <summary>The model every stream is stepped with.</summary>
    public IBatchModel Model { get; }

    /// <summary>Sizes and limits.</summary>
    public PipelineOptions Options { get; }

    /// <summary>Frames that have reached the sink in the current (or last) run; safe to read from any thread.</summary>
    public long FramesCompleted => _current?.FramesCompleted ?? 0;

    /// <summary>
    /// Runs every source to its end (or a break, or cancellation) and completes with the run's statistics.
    /// Stream breaks are reported per stream in <see cref="IResultSink.OnStreamEnd"/> and
    /// <see cref="PipelineStats.Ends"/>; an exception from the model or the sink faults the returned task.
    /// </summary>
    public Task<PipelineStats> RunAsync(IReadOnlyList<IFrameSource> sources, IResultSink sink, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(sink);
        if (sources.Count == 0)
        {
            throw new ArgumentException("no sources to run", nameof(sources));
        }
        foreach (IFrameSource source in sources)
        {
            if (source.ObservationSize != Model.ObservationSize)
            {
                throw new ArgumentException(
                    $"source '{source.Name}' gives {source.ObservationSize}-byte observations; the model takes {Model.ObservationSize}");
            }
        }
        Run? running = _current;
        if (running is { IsFinished: false })
        {
            throw new InvalidOperationException("the pipeline is already running");
        }
        var run = new Run(this, sources, sink, cancellationToken);
        _current = run;
        return run.Start();
    }
}
