namespace AgentRnn.Host.Labeling.Report;

/// <summary>
/// Everything a label report draws, in the form both writers (HTML and PNG) take: the run's facts, the timeline's
/// columns, the segments, the strip as drawn and the label distribution.
/// </summary>
internal sealed class LabelReport
{
    /// <summary>
    /// Segments are drawn one by one up to this many; past it, the strip shows each of <see cref="StripColumns"/>
    /// time columns in the label that covers most of it (runs of equal columns joined), as one pixel could not show
    /// more.
    /// </summary>
    public const int MaxDrawnSegments = 2000;

    /// <summary>Columns of a strip with more than <see cref="MaxDrawnSegments"/> segments.</summary>
    public const int StripColumns = 1024;

    private LabelReport(ReportInfo info, TimelineColumns columns, IReadOnlyList<Segment> segments, IReadOnlyList<long> labelCounts,
        long frames, bool hasProbabilities, bool hasValue)
    {
        Info = info;
        Columns = columns;
        Segments = segments;
        LabelCounts = labelCounts;
        Frames = frames;
        HasProbabilities = hasProbabilities;
        HasValue = hasValue;
        if (columns.Count > 0)
        {
            StartTime = columns.TimeMin.Min();
            LastTime = columns.TimeMax.Max();
        }
        FrameSeconds = frames > 1 ? (LastTime - StartTime) / (frames - 1) : info.Fps > 0 ? 1 / info.Fps : 0;
        EndTime = LastTime + FrameSeconds > StartTime ? LastTime + FrameSeconds : StartTime + 1;
        StripIsSegments = segments.Count <= MaxDrawnSegments;
        Strip = StripIsSegments ? SegmentRuns() : DominantRuns();
    }

    /// <summary>The video, the model and the class names.</summary>
    public ReportInfo Info { get; }

    /// <summary>Probabilities, value and score over time.</summary>
    public TimelineColumns Columns { get; }

    /// <summary>The runs of labels after minimum-length merging, as <c>--segments</c> writes them.</summary>
    public IReadOnlyList<Segment> Segments { get; }

    /// <summary>The segment strip as drawn.</summary>
    public IReadOnlyList<StripRun> Strip { get; }

    /// <summary>Whether <see cref="Strip"/> is one run per segment (otherwise per-column dominant labels).</summary>
    public bool StripIsSegments { get; }

    /// <summary>Frames per label, by class.</summary>
    public IReadOnlyList<long> LabelCounts { get; }

    /// <summary>Frames labelled.</summary>
    public long Frames { get; }

    /// <summary>Whether per-class probabilities were kept.</summary>
    public bool HasProbabilities { get; }

    /// <summary>Whether the value was kept.</summary>
    public bool HasValue { get; }

    /// <summary>The first frame's time, seconds.</summary>
    public double StartTime { get; }

    /// <summary>The last frame's time, seconds.</summary>
    public double LastTime { get; }

    /// <summary>Where the time axis ends: the last frame's time plus one frame.</summary>
    public double EndTime { get; }

    /// <summary>Mean seconds between frames (1/fps for a single frame; 0 when unknown).</summary>
    public double FrameSeconds { get; }

    /// <summary>Seconds the labelled frames span, first frame's start to last frame's end.</summary>
    public double Duration => Frames == 0 ? 0 : LastTime + FrameSeconds - StartTime;

    /// <summary>Builds the report of <paramref name="timeline"/> as it stands.</summary>
    public static LabelReport Build(LabelTimeline timeline, ReportInfo info)
    {
        if (info.Classes.Count != timeline.Classes)
        {
            throw new ArgumentException($"{info.Classes.Count} class names for a timeline of {timeline.Classes} classes", nameof(info));
        }
        return new LabelReport(info, timeline.Columns(), timeline.Segments(info.MinSegment), timeline.LabelCounts.ToArray(),
            timeline.Frames, timeline.HasProbabilities, timeline.HasValue);
    }

    private StripRun[] SegmentRuns()
    {
        var runs = new StripRun[Segments.Count];
        for (int i = 0; i < runs.Length; i++)
        {
            Segment s = Segments[i];
            double end = i + 1 < runs.Length ? Segments[i + 1].StartTime : EndTime;
            runs[i] = new StripRun(s.Action, s.StartFrame, s.EndFrame, s.StartTime, Math.Max(end, s.StartTime));
        }
        return runs;
    }

    // Each segment's time is shared out over the columns it overlaps; each column takes the label with the most.
    private List<StripRun> DominantRuns()
    {
        int classes = Info.Classes.Count;
        double width = (EndTime - StartTime) / StripColumns;
        var weight = new double[StripColumns * classes];
        var first = new long[StripColumns];
        var last = new long[StripColumns];
        Array.Fill(first, long.MaxValue);
        Array.Fill(last, long.MinValue);
        for (int i = 0; i < Segments.Count; i++)
        {
            Segment s = Segments[i];
            double a = s.StartTime;
            double b = Math.Max(a, i + 1 < Segments.Count ? Segments[i + 1].StartTime : EndTime);
            int from = Column(a);
            int to = Column(b);
            for (int c = from; c <= to; c++)
            {
                double overlap = Math.Min(b, StartTime + (c + 1) * width) - Math.Max(a, StartTime + c * width);
                // A segment of one instant (frames sharing a timestamp) still counts, slightly, where it stands.
                weight[c * classes + s.Action] += Math.Max(overlap, 1e-12);
                first[c] = Math.Min(first[c], s.StartFrame);
                last[c] = Math.Max(last[c], s.EndFrame);
            }
        }

        var runs = new List<StripRun>();
        for (int c = 0; c < StripColumns; c++)
        {
            if (first[c] == long.MaxValue)
            {
                continue;
            }
            int label = 0;
            for (int k = 1; k < classes; k++)
            {
                label = weight[c * classes + k] > weight[c * classes + label] ? k : label;
            }
            double start = StartTime + c * width;
            double end = StartTime + (c + 1) * width;
            if (runs.Count > 0 && runs[^1].Label == label)
            {
                runs[^1] = runs[^1] with { LastFrame = Math.Max(runs[^1].LastFrame, last[c]), End = end };
            }
            else
            {
                runs.Add(new StripRun(label, first[c], last[c], start, end));
            }
        }
        return runs;

        int Column(double time) => Math.Clamp((int)Math.Floor((time - StartTime) / width), 0, StripColumns - 1);
    }
}
