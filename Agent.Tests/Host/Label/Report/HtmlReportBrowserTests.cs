using System.Diagnostics;
using System.Text.RegularExpressions;
using AgentRnn.Host.Labeling.Report;
using SkiaSharp;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Label.Report;

/// <summary>The report page as a browser draws it: Debian's chromium, headless and offline.</summary>
public sealed class HtmlReportBrowserTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string _directory = Directory.CreateTempSubdirectory("agent-report-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(LabelReport report, string name)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, HtmlReport.Render(report));
        return path;
    }

    private static int Count(string dom, string pattern) => Regex.Matches(dom, pattern).Count;

    [Fact]
    public async Task Render_ShortVideoWithHostileNames_ChromiumDrawsEverySegmentEveryClassAndNoInjectedElement()
    {
        LabelReport report = ReportFixtures.Report(ReportFixtures.Timeline(900, ReportFixtures.HostileClasses.Length), ReportFixtures.HostileClasses, minSegment: 5);
        string page = Write(report, "short.html");
        string screenshot = Path.Combine(_directory, "short.png");
        var clock = Stopwatch.StartNew();

        string html = await HeadlessChromium.RenderAsync(page, Deadline, screenshot, 1280, 1100);
        TimeSpan browser = clock.Elapsed;

        Assert.Contains("data-drawn=\"true\"", html, StringComparison.Ordinal);
        Assert.Equal(report.Strip.Count, Count(html, "class=\"seg\""));
        Assert.Equal(report.Info.Classes.Count, Count(html, "class=\"legend-entry\""));
        Assert.Equal(report.Info.Classes.Count, Count(html, "class=\"dist-row\""));
        Assert.Equal(report.Info.Classes.Count, Count(html, "class=\"mean\""));
        Assert.Equal(0, Count(html, "class=\"band\""));
        Assert.Contains("frame 0 · 0.000 s", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("pwned", Regex.Match(html, "<title>(.*?)</title>").Groups[1].Value, StringComparison.Ordinal);

        using SKBitmap bitmap = SKBitmap.Decode(screenshot);
        Assert.Equal(1280, bitmap.Width);
        var colours = new HashSet<uint>();
        double sum = 0, squares = 0;
        var perClass = new int[report.Info.Classes.Count];
        var palette = Enumerable.Range(0, perClass.Length).Select(ReportPalette.Rgb).ToArray();
        foreach (SKColor pixel in bitmap.Pixels)
        {
            colours.Add((uint)pixel);
            double luma = 0.299 * pixel.Red + 0.587 * pixel.Green + 0.114 * pixel.Blue;
            sum += luma;
            squares += luma * luma;
            int k = Array.IndexOf(palette, (pixel.Red, pixel.Green, pixel.Blue));
            if (k >= 0)
            {
                perClass[k]++;
            }
        }
        double deviation = Math.Sqrt(squares / bitmap.Pixels.Length - Math.Pow(sum / bitmap.Pixels.Length, 2));
        output.WriteLine($"chromium: {browser.TotalSeconds:F1} s; {report.Strip.Count} segments; screenshot {colours.Count} colours, " +
            $"luma deviation {deviation:F1}; pixels per class colour {string.Join(", ", perClass)}");
        Assert.True(colours.Count >= 50, $"{colours.Count} distinct colours: the page looks blank");
        Assert.True(deviation >= 10, $"luma deviation {deviation:F1}: the page looks blank");
        // Every class holds the strip for a quarter of the video: each colour fills hundreds of strip pixels.
        Assert.All(perClass, n => Assert.True(n >= 300, $"class colours drawn: {string.Join(", ", perClass)}"));
    }

    [Fact]
    public async Task Render_LongVideo_ChromiumDrawsABandPerSeriesAndTheDownsampledStrip()
    {
        LabelReport report = ReportFixtures.Report(ReportFixtures.Timeline(200_000, 5), minSegment: 10);
        string page = Write(report, "long.html");

        string html = await HeadlessChromium.RenderAsync(page, Deadline);

        Assert.Contains("data-drawn=\"true\"", html, StringComparison.Ordinal);
        Assert.Equal(report.Strip.Count, Count(html, "class=\"seg\""));
        // A min–max band per class and one for the value.
        Assert.Equal(report.Info.Classes.Count + 1, Count(html, "class=\"band\""));
        Assert.Matches(new Regex("frames 0–\\d+ \\(\\d+, means\\)"), html);
        output.WriteLine($"{report.Frames:N0} frames as {report.Columns.Count} columns; strip of {report.Strip.Count} runs for {report.Segments.Count:N0} segments");
    }

    [Fact]
    public async Task Render_NoFrames_ChromiumDrawsTheEmptyTimeline()
    {
        // A video that breaks at its first frame still gets its report, and its script must not stop half-way.
        LabelReport report = ReportFixtures.Report(new LabelTimeline(3, probabilities: true, value: true));

        string html = await HeadlessChromium.RenderAsync(Write(report, "empty.html"), Deadline);

        Assert.Contains("data-drawn=\"true\"", html, StringComparison.Ordinal);
        Assert.Equal(0, Count(html, "class=\"seg\""));
        Assert.Equal(3, Count(html, "class=\"legend-entry\""));
        Assert.Contains("none labelled", html, StringComparison.Ordinal);
    }
}
