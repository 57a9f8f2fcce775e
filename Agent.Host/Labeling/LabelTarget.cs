namespace AgentRnn.Host.Labeling;

/// <summary>
/// Everything one video's labels go to: the rows, its segments file, and the per-frame labels kept for annotation.
/// All files are opened before decoding starts (so an unwritable path fails first) and finalised when the stream ends.
/// </summary>
internal sealed class LabelTarget : IDisposable
{
    private readonly RowFormatter _formatter;
    private readonly AtomicFile? _segmentsFile;
    private readonly int _minSegment;
    private readonly ClassNames _classes;
    private readonly List<(int Action, float Score)>? _annotations;
    private readonly SegmentBuilder? _segments;

    public LabelTarget(string video, RowOutput rows, RowFormatter formatter, ClassNames classes,
        AtomicFile? segmentsFile, int minSegment, bool keepAnnotations)
    {
        Video = video;
        Rows = rows;
        _formatter = formatter;
        _classes = classes;
        _segmentsFile = segmentsFile;
        _minSegment = minSegment;
        _segments = segmentsFile is null ? null : new SegmentBuilder();
        _annotations = keepAnnotations ? [] : null;
        rows.Write(formatter.Header());
    }

    /// <summary>The video's path.</summary>
    public string Video { get; }

    /// <summary>Where the rows go.</summary>
    public RowOutput Rows { get; }

    /// <summary>Frames labelled.</summary>
    public long Frames { get; private set; }

    /// <summary>Each frame's (action, score), in order, when annotation was asked for.</summary>
    public IReadOnlyList<(int Action, float Score)> Annotations => _annotations ?? [];

    /// <summary>Segments written at finalisation (empty until then, or without --segments).</summary>
    public IReadOnlyList<Segment> Segments { get; private set; } = [];

    /// <summary>Writes one frame's row and remembers its label.</summary>
    public void Add(long frame, double time, int action, ReadOnlySpan<float> probs, float value)
    {
        Rows.Write(_formatter.Row(frame, time, action, probs, value));
        _segments?.Add(frame, time, action);
        _annotations?.Add((action, probs[action]));
        Frames++;
    }

    /// <summary>Commits the rows and writes the segments; also after a break, so what was labelled is kept.</summary>
    public void Complete()
    {
        Rows.Commit();
        if (_segments is not null && _segmentsFile is not null)
        {
            Segments = _segments.Build(_minSegment);
            SegmentBuilder.WriteCsv(_segmentsFile, Segments, _classes);
            _segmentsFile.Commit();
        }
    }

    /// <summary>Deletes the partial outputs of a run that never started.</summary>
    public void Discard()
    {
        Rows.Discard();
        _segmentsFile?.Discard();
    }

    public void Dispose()
    {
        Rows.Dispose();
        _segmentsFile?.Dispose();
    }
}
