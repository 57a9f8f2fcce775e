using AgentRnn.Host.Labeling;
using AgentRnn.Host.Labeling.Report;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Label.Report;

public sealed class LabelTimelineTests(ITestOutputHelper output)
{
    // Variable frame rate: 30 fps with ±10 ms jitter (still increasing), and a 60 s hole after frame 4000.
    private static double Vfr(long i) => i / 30.0 + 0.01 * Math.Sin(i * 1.7) + (i >= 4000 ? 60 : 0);

    [Fact]
    public void Add_UpToTwiceColumnsFrames_KeepsEveryFrameExactly()
    {
        const int classes = 3;
        LabelTimeline timeline = ReportFixtures.Timeline(32, classes, Vfr, columns: 16);

        TimelineColumns columns = timeline.Columns();

        Assert.True(columns.Exact);
        Assert.Equal(32, columns.Count);
        Span<float> probs = stackalloc float[classes];
        for (int i = 0; i < 32; i++)
        {
            (_, float score, float value) = ReportFixtures.Frame(i, classes, probs);
            Assert.Equal(i, columns.FrameFirst[i]);
            Assert.Equal(Vfr(i), columns.Time(i));
            Assert.Equal(score, columns.ScoreMean[i]);
            Assert.Equal(value, columns.ValueMin[i]);
            Assert.Equal(value, columns.ValueMax[i]);
            for (int k = 0; k < classes; k++)
            {
                Assert.Equal(probs[k], columns.Series(columns.ProbMean, k)[i]);
            }
        }
    }

    [Fact]
    public void Add_VariableFrameRateWithAGap_EachColumnIsOneTimeSliceWithExactEnvelopes()
    {
        // Minimum and maximum are exact (they are the frames' own floats); means are sums of up to a few hundred
        // floats in double precision, stored as float: within 1e-6.
        const int classes = 4;
        const long frames = 10_000;
        const double tolerance = 1e-6;
        LabelTimeline timeline = ReportFixtures.Timeline(frames, classes, Vfr, columns: 16);

        TimelineColumns columns = timeline.Columns();

        Assert.False(columns.Exact);
        Assert.InRange(columns.Count, 8, 32);
        Assert.Equal(frames, columns.Frames.Sum());
        double worst = 0;
        Span<float> probs = stackalloc float[classes];
        var min = new float[classes];
        var max = new float[classes];
        var sum = new double[classes];
        for (int c = 0; c < columns.Count; c++)
        {
            Array.Fill(min, float.MaxValue);
            Array.Fill(max, float.MinValue);
            Array.Clear(sum);
            double valueSum = 0;
            long slice = (long)Math.Floor((Vfr(columns.FrameFirst[c]) - Vfr(0)) / columns.ColumnSeconds);
            for (long i = columns.FrameFirst[c]; i <= columns.FrameLast[c]; i++)
            {
                Assert.Equal(slice, (long)Math.Floor((Vfr(i) - Vfr(0)) / columns.ColumnSeconds));
                (_, _, float value) = ReportFixtures.Frame(i, classes, probs);
                valueSum += value;
                for (int k = 0; k < classes; k++)
                {
                    min[k] = Math.Min(min[k], probs[k]);
                    max[k] = Math.Max(max[k], probs[k]);
                    sum[k] += probs[k];
                }
            }
            int n = columns.Frames[c];
            Assert.Equal(columns.FrameLast[c] - columns.FrameFirst[c] + 1, n);
            for (int k = 0; k < classes; k++)
            {
                Assert.Equal(min[k], columns.Series(columns.ProbMin, k)[c]);
                Assert.Equal(max[k], columns.Series(columns.ProbMax, k)[c]);
                worst = Math.Max(worst, Math.Abs(sum[k] / n - columns.Series(columns.ProbMean, k)[c]));
            }
            worst = Math.Max(worst, Math.Abs(valueSum / n - columns.ValueMean[c]));
        }
        // The hole leaves columns with no frame: they are left out, so the drawn line jumps the gap.
        Assert.Contains(Enumerable.Range(1, columns.Count - 1), c => columns.TimeMin[c] - columns.TimeMax[c - 1] > 30);
        output.WriteLine($"{columns.Count} columns of {columns.ColumnSeconds:F3} s; worst mean error {worst:E2} (tolerance {tolerance:E0})");
        Assert.True(worst <= tolerance, $"worst mean error {worst:E2}");
    }

    [Fact]
    public void Add_MillionFrames_ColumnsStayBetweenColumnsAndTwiceColumnsAndASpikeStaysVisible()
    {
        const long frames = 1_000_000;
        const long spike = 777_777;
        var timeline = new LabelTimeline(2, probabilities: true, value: true);
        float[] flat = [0.99f, 0.01f];
        float[] peak = [0.05f, 0.95f];
        for (long i = 0; i < frames; i++)
        {
            bool isSpike = i == spike;
            timeline.Add(i, i / 60.0, isSpike ? 1 : 0, isSpike ? 0.95f : 0.99f, isSpike ? peak : flat, isSpike ? 42f : 0.5f);
        }

        TimelineColumns columns = timeline.Columns();

        Assert.InRange(columns.Count, LabelTimeline.DefaultColumns, 2 * LabelTimeline.DefaultColumns);
        Assert.Equal(frames, columns.Frames.Sum());
        int at = Array.FindIndex(columns.FrameFirst, 0, columns.Count, f => f > spike) - 1;
        Assert.InRange(spike, columns.FrameFirst[at], columns.FrameLast[at]);
        Assert.Equal(0.95f, columns.Series(columns.ProbMax, 1)[at]);
        Assert.Equal(42f, columns.ValueMax[at]);
        Assert.Equal(1, columns.Series(columns.ProbMax, 1).ToArray().Count(p => p > 0.5f));
        Assert.Equal(new long[] { frames - 1, 1 }, timeline.LabelCounts);
        output.WriteLine($"{frames:N0} frames → {columns.Count} columns of {columns.ColumnSeconds:F3} s; the spike is in column {at} ({columns.Frames[at]} frames)");
    }

    [Fact]
    public void Add_PastTheFirstColumns_AllocatesNothing()
    {
        var timeline = new LabelTimeline(18, probabilities: true, value: true);
        var probs = new float[18];
        probs[3] = 1;
        for (long i = 0; i < 5_000; i++)
        {
            timeline.Add(i, i / 30.0, 3, 1f, probs, 0f);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (long i = 5_000; i < 300_000; i++)
        {
            timeline.Add(i, i / 30.0, 3, 1f, probs, 0f);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"295,000 frames (8 column doublings) allocated {allocated} bytes");
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Add_TimeNotFinite_TakesThePreviousFramesTime()
    {
        var timeline = new LabelTimeline(2, probabilities: false, value: false);
        timeline.Add(0, 1.5, 0, 0.9f, default, 0);
        timeline.Add(1, double.NaN, 1, 0.8f, default, 0);
        timeline.Add(2, double.PositiveInfinity, 1, 0.7f, default, 0);

        TimelineColumns columns = timeline.Columns();

        Assert.Equal(new[] { 1.5, 1.5, 1.5 }, columns.TimeMin);
        Assert.Equal(new[] { 0.9f, 0.8f, 0.7f }, columns.ScoreMean);
        Assert.Equal(0, columns.Classes);
    }

    [Fact]
    public void Add_LabelOutsideTheClasses_Throws()
    {
        var timeline = new LabelTimeline(3, probabilities: false, value: false);

        Assert.Throws<ArgumentOutOfRangeException>(() => timeline.Add(0, 0, 3, 1f, default, 0));
    }

    [Fact]
    public void Segments_MinimumLength_SameAsTheSegmentsFile()
    {
        LabelTimeline timeline = ReportFixtures.Timeline(3_000, 4);
        var builder = new SegmentBuilder();
        Span<float> probs = stackalloc float[4];
        for (long i = 0; i < 3_000; i++)
        {
            builder.Add(i, i / 30.0, ReportFixtures.Frame(i, 4, probs).Label);
        }

        Assert.Equal(builder.Build(5), timeline.Segments(5));
        Assert.Equal(3_000, timeline.LabelCounts.Sum());
    }
}
