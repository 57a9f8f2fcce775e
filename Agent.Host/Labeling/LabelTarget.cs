namespace AgentRnn.Host.Labeling;

/// <summary>
/// Everything one video's labels go to: the rows, its segments file, and its annotated copy.
/// All files are opened before decoding starts (so an unwritable path fails first) and finalised when the stream ends.
/// </summary>
internal sealed class LabelTarget : IDisposable
{
    private readonly RowFormatter _formatter;
    private readonly AtomicFile? _segmentsFile;
    private readonly int _minSegment;
    private readonly ClassNames _classes;
    private readonly SegmentBuilder? _segments;

    public LabelTarget(string video, RowOutput rows, RowFormatter formatter, ClassNames classes,
        AtomicFile? segmentsFile, int minSegment)
    {
        Video = video;
        Rows = rows;
        _formatter = formatter;
        _classes = classes;
        _segmentsFile = segmentsFile;
        _minSegment = minSegment;
        _segments = segmentsFile is null ? null : new SegmentBuilder();
        rows.Write(formatter.Header());
    }

    /// <summary>The video's path.</summary>
    public string Video { get; }

    /// <summary>The segments CSV's path, or null without --segments.</summary>
    public string? SegmentsPath => _segmentsFile?.Path;

    /// <summary>Where the rows go.</summary>
    public RowOutput Rows { get; }

    /// <summary>Frames labelled.</summary>
    public long Frames { get; private set; }

    /// <summary>The annotated copy written in the same pass, or null; set before the run starts (it needs the video's size).</summary>
    public Annotator? Annotator { get; set; }

    /// <summary>After <see cref="Complete"/>: true when the annotated copy was finalised (false: no frame, no file).</summary>
    public bool Annotated { get; private set; }

    /// <summary>Segments written at finalisation (empty until then, or without --segments).</summary>
    public IReadOnlyList<Segment> Segments { get; private set; } = [];

    /// <summary>Writes one frame's row and remembers its label.</summary>
    public void Add(long frame, double time, int action, ReadOnlySpan<float> probs, float value)
    {
        Rows.Write(_formatter.Row(frame, time, action, probs, value));
        _segments?.Add(frame, time, action);
        Annotator?.Add(frame, time, probs, _classes);
        Frames++;
    }

    /// <summary>
    /// Commits the rows, writes the segments and finalises the annotated copy; also after a break or Ctrl+C, so what
    /// was labelled is kept (and the copy plays up to the last frame labelled).
    /// </summary>
    public void Complete()
    {
        Rows.Commit();
        Annotated = Annotator?.Complete() ?? false;
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
        Annotator?.Discard();
    }

    public void Dispose()
    {
        Rows.Dispose();
        _segmentsFile?.Dispose();
        Annotator?.Dispose();
    }
}
