namespace AgentRnn.Host.Labeling.Report;

/// <summary>
/// Collects one video's labels for a report, frame by frame, in memory that does not grow with the video's length.
/// The first 2·columns frames are kept exactly, one bin each. Past that, frames go into equal time columns (the
/// stream's own timestamps, so variable frame rates and gaps stay where they happened): each column keeps every
/// class's minimum, maximum and mean probability, and the same for the value and the score, so a one-frame spike
/// still shows as the column's maximum. When the video outgrows 2·columns columns, neighbouring columns merge and
/// the column width doubles, so a finished video has between columns and 2·columns of them.
/// Label counts are exact; runs of labels are kept as they change (memory grows with label changes, not frames).
/// </summary>
/// <remarks>
/// Fed by one thread (a label sink's), in frame order. <see cref="Add"/> allocates nothing except when the list of
/// label runs grows (amortised).
/// </remarks>
internal sealed class LabelTimeline
{
    /// <summary>Columns a long video is drawn with by default: about one per pixel of a full-width chart.</summary>
    public const int DefaultColumns = 1024;

    private readonly int _columns;
    private readonly long[] _labelCounts;
    private readonly SegmentBuilder _runs = new();
    private TimelineBins _bins;
    private TimelineBins? _spare;
    private double _binSeconds;
    private double _start;
    private double _lastTime;

    /// <summary>Starts an empty timeline.</summary>
    /// <param name="classes">Number of classes (the model's actions).</param>
    /// <param name="probabilities">Whether each frame brings its full distribution.</param>
    /// <param name="value">Whether each frame brings the critic's value.</param>
    /// <param name="columns">Columns of a long video (at least 8); up to twice as many frames are kept exactly.</param>
    public LabelTimeline(int classes, bool probabilities, bool value, int columns = DefaultColumns)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 8);
        Classes = classes;
        HasProbabilities = probabilities;
        HasValue = value;
        _columns = columns;
        _labelCounts = new long[classes];
        _bins = new TimelineBins(2 * columns, probabilities ? classes : 0);
    }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>Whether per-class probabilities are kept.</summary>
    public bool HasProbabilities { get; }

    /// <summary>Whether the value is kept.</summary>
    public bool HasValue { get; }

    /// <summary>Frames added.</summary>
    public long Frames { get; private set; }

    /// <summary>Frames per label, by class.</summary>
    public IReadOnlyList<long> LabelCounts => _labelCounts;

    /// <summary>Seconds per column; 0 while every frame is kept exactly.</summary>
    public double ColumnSeconds => _binSeconds;

    /// <summary>
    /// Adds the next frame: its 0-based index, time in seconds (the stream's timestamp), label (class index), score
    /// (the label's probability), the distribution (one per class; ignored without probabilities) and the value
    /// (ignored without one). A time that is not finite is taken as the previous frame's.
    /// </summary>
    public void Add(long frame, double time, int label, float score, ReadOnlySpan<float> probs, float value)
    {
        if ((uint)label >= (uint)Classes)
        {
            throw new ArgumentOutOfRangeException(nameof(label), label, $"label must be a class index below {Classes}");
        }
        if (HasProbabilities && probs.Length != Classes)
        {
            throw new ArgumentException($"{probs.Length} probabilities for {Classes} classes", nameof(probs));
        }
        if (!double.IsFinite(time))
        {
            time = Frames == 0 ? 0 : _lastTime;
        }
        if (Frames == 0)
        {
            _start = time;
        }
        _lastTime = time;
        Frames++;
        _labelCounts[label]++;
        _runs.Add(frame, time, label);
        ReadOnlySpan<float> kept = HasProbabilities ? probs : default;
        float keptValue = HasValue ? value : 0f;

        if (_binSeconds == 0)
        {
            if (_bins.Used < _bins.Capacity)
            {
                _bins.Add(_bins.Used, frame, time, score, kept, keptValue);
                return;
            }
            StartColumns();
        }
        int bin = BinOf(time);
        while (bin >= _bins.Capacity)
        {
            DoubleWidth();
            bin = BinOf(time);
        }
        _bins.Add(bin, frame, time, score, kept, keptValue);
    }

    /// <summary>The timeline so far, one entry per non-empty column (per frame while frames are kept exactly).</summary>
    public TimelineColumns Columns() => TimelineColumns.From(_bins, HasProbabilities ? Classes : 0, _binSeconds);

    /// <summary>
    /// The runs of labels so far, with every run shorter than <paramref name="minFrames"/> merged into a neighbour
    /// (as <c>--segments --min-segment</c> writes them).
    /// </summary>
    public List<Segment> Segments(int minFrames) => _runs.Build(minFrames);

    private int BinOf(double time)
    {
        double offset = (time - _start) / _binSeconds;
        // Times before the first frame's (a stream whose clock steps back) go to the first column.
        return offset > 0 ? (int)Math.Min(Math.Floor(offset), int.MaxValue) : 0;
    }

    // Leaves exact mode: the kept frames are binned into columns that span them, about half of the columns in use.
    private void StartColumns()
    {
        double last = _start;
        for (int i = 0; i < _bins.Used; i++)
        {
            last = Math.Max(last, _bins.TimeMax[i]);
        }
        double span = last - _start;
        // Identical timestamps give one column; any positive width does.
        _binSeconds = span > 0 ? span / _columns : 1e-9;
        _spare = new TimelineBins(_bins.Capacity, HasProbabilities ? Classes : 0);
        for (int i = 0; i < _bins.Used; i++)
        {
            _spare.Merge(Math.Min(BinOf(_bins.TimeMin[i]), _bins.Capacity - 1), _bins, i);
        }
        Swap();
    }

    // Column c and c+1 (c even) become column c/2 of twice the width.
    private void DoubleWidth()
    {
        for (int i = 0; i < _bins.Used; i++)
        {
            _spare!.Merge(i / 2, _bins, i);
        }
        _binSeconds *= 2;
        Swap();
    }

    private void Swap()
    {
        (_bins, _spare) = (_spare!, _bins);
        _spare.Clear();
    }
}
