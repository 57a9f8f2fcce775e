using AgentRnn.Cli.Labeling;
using AgentRnn.Host.Labeling.Report;
using SkiaSharp;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Label.Report;

public sealed class ReportPngTests(ITestOutputHelper output)
{
    // Pixels of exactly class k's colour: the strip's rectangles are filled with it, unblended.
    private static int[] ClassPixels(SKBitmap bitmap, int classes)
    {
        var palette = Enumerable.Range(0, classes).Select(ReportPalette.Rgb).ToArray();
        var counts = new int[classes];
        foreach (SKColor pixel in bitmap.Pixels)
        {
            int k = Array.IndexOf(palette, (pixel.Red, pixel.Green, pixel.Blue));
            if (k >= 0)
            {
                counts[k]++;
            }
        }
        return counts;
    }

    [Theory]
    [InlineData(900, 4)]
    [InlineData(300_000, 6)]
    public void Render_Report_ImageOfTheRightSizeWithEveryClassInTheStrip(long frames, int classes)
    {
        LabelReport report = ReportFixtures.Report(ReportFixtures.Timeline(frames, classes), minSegment: 5);

        byte[] png = ReportPng.Render(report);

        using SKBitmap bitmap = SKBitmap.Decode(png);
        Assert.Equal(ReportPng.DefaultWidth, bitmap.Width);
        Assert.Equal(ReportPng.DefaultHeight, bitmap.Height);
        int distinct = bitmap.Pixels.Select(p => (uint)p).Distinct().Count();
        int[] perClass = ClassPixels(bitmap, classes);
        output.WriteLine($"{frames:N0} frames: {png.Length:N0} bytes, {distinct} colours, pixels per class colour {string.Join(", ", perClass)}");
        Assert.True(distinct >= 50, $"{distinct} colours: the image looks blank");
        // Each class labels about 1/classes of the video: a strip of ~1,290 × ~100 px gives each thousands of pixels.
        Assert.All(perClass, n => Assert.True(n >= 2_000, $"class colours drawn: {string.Join(", ", perClass)}"));
    }

    [Fact]
    public void Render_HostileAndNonLatinNames_DrawsWithoutError()
    {
        string[] classes = [.. ReportFixtures.HostileClasses, "Größe ✓ ñ", "左"];
        LabelReport report = ReportFixtures.Report(ReportFixtures.Timeline(600, classes.Length), classes);

        using SKBitmap bitmap = SKBitmap.Decode(ReportPng.Render(report, 800, 500));

        Assert.Equal(800, bitmap.Width);
        Assert.Equal(500, bitmap.Height);
    }

    [Fact]
    public void Render_NoFrames_AnEmptyChartRatherThanAnError()
    {
        // A video that breaks at its first frame still gets its report: axes and title, no series.
        LabelReport report = ReportFixtures.Report(new LabelTimeline(3, probabilities: true, value: true));

        using SKBitmap bitmap = SKBitmap.Decode(ReportPng.Render(report));

        Assert.Equal(ReportPng.DefaultWidth, bitmap.Width);
        Assert.All(ClassPixels(bitmap, 3), n => Assert.Equal(0, n));
    }
}
