namespace AgentRnn.Host.Labeling.Report;

/// <summary>
/// A finished <see cref="LabelTimeline"/> as drawn: one entry per non-empty column in time order, or one per frame
/// when the video was short enough to keep them all (<see cref="Exact"/>; then minimum, maximum and mean coincide).
/// Per-class series are class-major: class k's column i is at [k · Count + i].
/// </summary>
internal sealed class TimelineColumns
{
    private TimelineColumns(int count, int classes, double columnSeconds)
    {
        Count = count;
        Classes = classes;
        ColumnSeconds = columnSeconds;
        Frames = new int[count];
        FrameFirst = new long[count];
        FrameLast = new long[count];
        TimeMin = new double[count];
        TimeMax = new double[count];
        ScoreMin = new float[count];
        ScoreMax = new float[count];
        ScoreMean = new float[count];
        ValueMin = new float[count];
        ValueMax = new float[count];
        ValueMean = new float[count];
        ProbMin = new float[classes * count];
        ProbMax = new float[classes * count];
        ProbMean = new float[classes * count];
    }

    /// <summary>Number of entries.</summary>
    public int Count { get; }

    /// <summary>Classes with probability series (0 when the timeline kept none).</summary>
    public int Classes { get; }

    /// <summary>Seconds per column; 0 when every entry is one frame.</summary>
    public double ColumnSeconds { get; }

    /// <summary>Whether every entry is exactly one frame.</summary>
    public bool Exact => ColumnSeconds == 0;

    /// <summary>Frames in each entry.</summary>
    public int[] Frames { get; }

    /// <summary>First frame index of each entry.</summary>
    public long[] FrameFirst { get; }

    /// <summary>Last frame index of each entry.</summary>
    public long[] FrameLast { get; }

    /// <summary>Earliest time of each entry, seconds.</summary>
    public double[] TimeMin { get; }

    /// <summary>Latest time of each entry, seconds.</summary>
    public double[] TimeMax { get; }

    /// <summary>Lowest score per entry.</summary>
    public float[] ScoreMin { get; }

    /// <summary>Highest score per entry.</summary>
    public float[] ScoreMax { get; }

    /// <summary>Mean score per entry.</summary>
    public float[] ScoreMean { get; }

    /// <summary>Lowest value per entry.</summary>
    public float[] ValueMin { get; }

    /// <summary>Highest value per entry.</summary>
    public float[] ValueMax { get; }

    /// <summary>Mean value per entry.</summary>
    public float[] ValueMean { get; }

    /// <summary>(class, entry): lowest probability.</summary>
    public float[] ProbMin { get; }

    /// <summary>(class, entry): highest probability.</summary>
    public float[] ProbMax { get; }

    /// <summary>(class, entry): mean probability.</summary>
    public float[] ProbMean { get; }

    /// <summary>Where entry <paramref name="i"/> is drawn: the middle of its frames' times.</summary>
    public double Time(int i) => (TimeMin[i] + TimeMax[i]) / 2;

    /// <summary>Class <paramref name="k"/>'s series out of a class-major array (<see cref="ProbMin"/>, …).</summary>
    public ReadOnlySpan<float> Series(float[] classMajor, int k) => classMajor.AsSpan(k * Count, Count);

    /// <summary>Copies the non-empty bins, in bin order, into columns.</summary>
    internal static TimelineColumns From(TimelineBins bins, int classes, double columnSeconds)
    {
        int count = 0;
        for (int b = 0; b < bins.Used; b++)
        {
            count += bins.Count[b] > 0 ? 1 : 0;
        }
        var columns = new TimelineColumns(count, classes, columnSeconds);
        int i = 0;
        for (int b = 0; b < bins.Used; b++)
        {
            int n = bins.Count[b];
            if (n == 0)
            {
                continue;
            }
            columns.Frames[i] = n;
            columns.FrameFirst[i] = bins.FrameFirst[b];
            columns.FrameLast[i] = bins.FrameLast[b];
            columns.TimeMin[i] = bins.TimeMin[b];
            columns.TimeMax[i] = bins.TimeMax[b];
            columns.ScoreMin[i] = bins.ScoreMin[b];
            columns.ScoreMax[i] = bins.ScoreMax[b];
            columns.ScoreMean[i] = (float)(bins.ScoreSum[b] / n);
            columns.ValueMin[i] = bins.ValueMin[b];
            columns.ValueMax[i] = bins.ValueMax[b];
            columns.ValueMean[i] = (float)(bins.ValueSum[b] / n);
            for (int k = 0; k < classes; k++)
            {
                columns.ProbMin[k * count + i] = bins.ProbMin[b * classes + k];
                columns.ProbMax[k * count + i] = bins.ProbMax[b * classes + k];
                columns.ProbMean[k * count + i] = (float)(bins.ProbSum[b * classes + k] / n);
            }
            i++;
        }
        return columns;
    }
}
