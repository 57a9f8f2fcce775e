using AgentRnn.Host.Labeling.Report;

namespace AgentRnn.Tests.Host.Label.Report;

public sealed class LabelReportTests
{
    [Fact]
    public void Build_FewSegments_OneStripRunPerSegmentEdgeToEdge()
    {
        LabelReport report = ReportFixtures.Report(ReportFixtures.Timeline(900, 4), minSegment: 5);

        Assert.True(report.StripIsSegments);
        Assert.Equal(report.Segments.Count, report.Strip.Count);
        for (int i = 0; i < report.Strip.Count; i++)
        {
            Assert.Equal(report.Segments[i].Action, report.Strip[i].Label);
            Assert.Equal(report.Segments[i].StartTime, report.Strip[i].Start);
            Assert.Equal(i + 1 < report.Strip.Count ? report.Strip[i + 1].Start : report.EndTime, report.Strip[i].End);
        }
        Assert.Equal(899 / 30.0 + 1 / 30.0, report.EndTime, 1e-12);
        Assert.Equal(30.0, report.Duration, 1e-9);
    }

    [Fact]
    public void Build_MoreSegmentsThanDrawn_StripShowsTheLabelCoveringMostOfEachColumn()
    {
        // First half: class 1 for 8 frames, class 2 for 2, over and over (6,000 segments); second half: class 0.
        var timeline = new LabelTimeline(3, probabilities: false, value: false);
        for (long i = 0; i < 60_000; i++)
        {
            int label = i >= 30_000 ? 0 : i % 10 < 8 ? 1 : 2;
            timeline.Add(i, i / 30.0, label, 0.9f, default, 0);
        }

        LabelReport report = ReportFixtures.Report(timeline, ["a", "b", "c"]);

        Assert.False(report.StripIsSegments);
        Assert.Equal(6_001, report.Segments.Count);
        Assert.Equal(new[] { 1, 0 }, report.Strip.Select(r => r.Label));
        Assert.Equal(0, report.Strip[0].FirstFrame);
        Assert.Equal(59_999, report.Strip[1].LastFrame);
        Assert.Equal(1000.0, report.Strip[0].End, 1.0);
        Assert.Equal(report.EndTime, report.Strip[1].End, 1e-9);
    }

    [Fact]
    public void Build_NoFrames_EmptyButDrawable()
    {
        LabelReport report = ReportFixtures.Report(new LabelTimeline(2, probabilities: true, value: true));

        Assert.Equal(0, report.Frames);
        Assert.Empty(report.Strip);
        Assert.True(report.EndTime > report.StartTime);
        Assert.Contains("none labelled", HtmlReport.RenderText(report));
    }
}
