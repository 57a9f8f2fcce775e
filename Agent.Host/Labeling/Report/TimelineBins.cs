namespace AgentRnn.Host.Labeling.Report;

/// <summary>
/// A fixed number of bins, each summarising the frames put into it: count, first and last frame index, earliest and
/// latest time, and for the score, the value and every class's probability the minimum, maximum and sum. Struct of
/// arrays, allocated once; <see cref="LabelTimeline"/> fills and merges them.
/// </summary>
internal sealed class TimelineBins
{
    private readonly int _classes;

    /// <summary>Allocates <paramref name="capacity"/> empty bins for <paramref name="classes"/> classes.</summary>
    public TimelineBins(int capacity, int classes)
    {
        Capacity = capacity;
        _classes = classes;
        Count = new int[capacity];
        FrameFirst = new long[capacity];
        FrameLast = new long[capacity];
        TimeMin = new double[capacity];
        TimeMax = new double[capacity];
        ScoreMin = new float[capacity];
        ScoreMax = new float[capacity];
        ScoreSum = new double[capacity];
        ValueMin = new float[capacity];
        ValueMax = new float[capacity];
        ValueSum = new double[capacity];
        ProbMin = new float[capacity * classes];
        ProbMax = new float[capacity * classes];
        ProbSum = new double[capacity * classes];
    }

    /// <summary>Number of bins.</summary>
    public int Capacity { get; }

    /// <summary>Bins from 0 up to (not including) this one may hold frames; every bin from here on is empty.</summary>
    public int Used { get; private set; }

    /// <summary>Frames in each bin (0: empty).</summary>
    public int[] Count { get; }

    /// <summary>Smallest frame index in each bin.</summary>
    public long[] FrameFirst { get; }

    /// <summary>Largest frame index in each bin.</summary>
    public long[] FrameLast { get; }

    /// <summary>Earliest time in each bin, seconds.</summary>
    public double[] TimeMin { get; }

    /// <summary>Latest time in each bin, seconds.</summary>
    public double[] TimeMax { get; }

    /// <summary>Per bin: the lowest score (probability of the chosen label).</summary>
    public float[] ScoreMin { get; }

    /// <summary>Per bin: the highest score.</summary>
    public float[] ScoreMax { get; }

    /// <summary>Per bin: the sum of scores.</summary>
    public double[] ScoreSum { get; }

    /// <summary>Per bin: the lowest value.</summary>
    public float[] ValueMin { get; }

    /// <summary>Per bin: the highest value.</summary>
    public float[] ValueMax { get; }

    /// <summary>Per bin: the sum of values.</summary>
    public double[] ValueSum { get; }

    /// <summary>(bin, class): the lowest probability, at [bin · classes + class].</summary>
    public float[] ProbMin { get; }

    /// <summary>(bin, class): the highest probability.</summary>
    public float[] ProbMax { get; }

    /// <summary>(bin, class): the sum of probabilities.</summary>
    public double[] ProbSum { get; }

    /// <summary>Empties every bin.</summary>
    public void Clear()
    {
        Array.Clear(Count, 0, Used);
        Used = 0;
    }

    /// <summary>Adds one frame to bin <paramref name="bin"/>; <paramref name="probs"/> is empty or one per class.</summary>
    public void Add(int bin, long frame, double time, float score, ReadOnlySpan<float> probs, float value)
    {
        int at = bin * _classes;
        if (Count[bin]++ == 0)
        {
            Used = Math.Max(Used, bin + 1);
            FrameFirst[bin] = FrameLast[bin] = frame;
            TimeMin[bin] = TimeMax[bin] = time;
            ScoreMin[bin] = ScoreMax[bin] = score;
            ScoreSum[bin] = score;
            ValueMin[bin] = ValueMax[bin] = value;
            ValueSum[bin] = value;
            for (int k = 0; k < probs.Length; k++)
            {
                ProbMin[at + k] = ProbMax[at + k] = probs[k];
                ProbSum[at + k] = probs[k];
            }
            return;
        }
        FrameFirst[bin] = Math.Min(FrameFirst[bin], frame);
        FrameLast[bin] = Math.Max(FrameLast[bin], frame);
        TimeMin[bin] = Math.Min(TimeMin[bin], time);
        TimeMax[bin] = Math.Max(TimeMax[bin], time);
        ScoreMin[bin] = Math.Min(ScoreMin[bin], score);
        ScoreMax[bin] = Math.Max(ScoreMax[bin], score);
        ScoreSum[bin] += score;
        ValueMin[bin] = Math.Min(ValueMin[bin], value);
        ValueMax[bin] = Math.Max(ValueMax[bin], value);
        ValueSum[bin] += value;
        for (int k = 0; k < probs.Length; k++)
        {
            ProbMin[at + k] = Math.Min(ProbMin[at + k], probs[k]);
            ProbMax[at + k] = Math.Max(ProbMax[at + k], probs[k]);
            ProbSum[at + k] += probs[k];
        }
    }

    /// <summary>Merges bin <paramref name="from"/> of <paramref name="source"/> into bin <paramref name="bin"/> of this set.</summary>
    public void Merge(int bin, TimelineBins source, int from)
    {
        if (source.Count[from] == 0)
        {
            return;
        }
        int at = bin * _classes;
        int sourceAt = from * _classes;
        if (Count[bin] == 0)
        {
            Used = Math.Max(Used, bin + 1);
            Count[bin] = source.Count[from];
            FrameFirst[bin] = source.FrameFirst[from];
            FrameLast[bin] = source.FrameLast[from];
            TimeMin[bin] = source.TimeMin[from];
            TimeMax[bin] = source.TimeMax[from];
            ScoreMin[bin] = source.ScoreMin[from];
            ScoreMax[bin] = source.ScoreMax[from];
            ScoreSum[bin] = source.ScoreSum[from];
            ValueMin[bin] = source.ValueMin[from];
            ValueMax[bin] = source.ValueMax[from];
            ValueSum[bin] = source.ValueSum[from];
            Array.Copy(source.ProbMin, sourceAt, ProbMin, at, _classes);
            Array.Copy(source.ProbMax, sourceAt, ProbMax, at, _classes);
            Array.Copy(source.ProbSum, sourceAt, ProbSum, at, _classes);
            return;
        }
        Count[bin] += source.Count[from];
        FrameFirst[bin] = Math.Min(FrameFirst[bin], source.FrameFirst[from]);
        FrameLast[bin] = Math.Max(FrameLast[bin], source.FrameLast[from]);
        TimeMin[bin] = Math.Min(TimeMin[bin], source.TimeMin[from]);
        TimeMax[bin] = Math.Max(TimeMax[bin], source.TimeMax[from]);
        ScoreMin[bin] = Math.Min(ScoreMin[bin], source.ScoreMin[from]);
        ScoreMax[bin] = Math.Max(ScoreMax[bin], source.ScoreMax[from]);
        ScoreSum[bin] += source.ScoreSum[from];
        ValueMin[bin] = Math.Min(ValueMin[bin], source.ValueMin[from]);
        ValueMax[bin] = Math.Max(ValueMax[bin], source.ValueMax[from]);
        ValueSum[bin] += source.ValueSum[from];
        for (int k = 0; k < _classes; k++)
        {
            ProbMin[at + k] = Math.Min(ProbMin[at + k], source.ProbMin[sourceAt + k]);
            ProbMax[at + k] = Math.Max(ProbMax[at + k], source.ProbMax[sourceAt + k]);
            ProbSum[at + k] += source.ProbSum[sourceAt + k];
        }
    }
}
