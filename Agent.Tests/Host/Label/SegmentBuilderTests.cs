using FsCheck;
using FsCheck.Fluent;
using AgentRnn.Host.Labeling;

namespace AgentRnn.Tests.Host.Label;

public class SegmentBuilderTests
{
    private static SegmentBuilder FromLabels(params int[] labels)
    {
        var builder = new SegmentBuilder();
        for (int i = 0; i < labels.Length; i++)
        {
            builder.Add(i, i / 10.0, labels[i]);
        }
        return builder;
    }

    private static string Describe(IEnumerable<Segment> segments) =>
        string.Join(" ", segments.Select(s => $"{s.Action}:[{s.StartFrame},{s.EndFrame}]"));

    [Fact]
    public void Build_NoMinimum_GivesInclusiveRunsWithTimes()
    {
        List<Segment> segments = FromLabels(0, 0, 1, 1, 1, 2).Build(minFrames: 1);

        Assert.Equal("0:[0,1] 1:[2,4] 2:[5,5]", Describe(segments));
        Assert.Equal(0.2, segments[1].StartTime);
        Assert.Equal(0.4, segments[1].EndTime);
    }

    [Fact]
    public void Build_ShortRunBetweenSameLabels_MergesAllThree()
    {
        List<Segment> segments = FromLabels(0, 0, 0, 1, 0, 0, 2, 2, 2, 2).Build(minFrames: 2);

        Assert.Equal("0:[0,5] 2:[6,9]", Describe(segments));
    }

    [Fact]
    public void Build_ShortRun_JoinsTheLongerNeighbour()
    {
        List<Segment> segments = FromLabels(0, 0, 1, 2, 2, 2).Build(minFrames: 2);

        Assert.Equal("0:[0,1] 2:[2,5]", Describe(segments));
    }

    [Fact]
    public void Build_EveryRunShort_LeavesOneSegmentCoveringAll()
    {
        List<Segment> segments = FromLabels(0, 1, 2, 3).Build(minFrames: 10);

        Segment only = Assert.Single(segments);
        Assert.Equal((0L, 3L), (only.StartFrame, only.EndFrame));
    }

    [Fact]
    public void Build_Property_SegmentsTileTheFramesAndRespectTheMinimum()
    {
        Prop.ForAll(
            ArbMap.Default.ArbFor<byte[]>(),
            ArbMap.Default.ArbFor<byte>(),
            (byte[] raw, byte min) =>
            {
                int[] labels = raw.Select(b => b % 3).ToArray();
                int minFrames = 1 + min % 5;
                List<Segment> segments = FromLabels(labels).Build(minFrames);
                if (labels.Length == 0)
                {
                    return segments.Count == 0;
                }
                bool tiles = segments[0].StartFrame == 0 && segments[^1].EndFrame == labels.Length - 1
                    && segments.Zip(segments.Skip(1)).All(p => p.Second.StartFrame == p.First.EndFrame + 1 && p.First.Action != p.Second.Action);
                bool longEnough = segments.Count == 1 || segments.All(s => s.Frames >= minFrames);
                return tiles && longEnough;
            }).QuickCheckThrowOnFailure();
    }
}
