using System.Text.Json;
using AgentRnn.Cli;
using AgentRnn.Host.Labeling;
using AgentRnn.Host.Models;
using AgentRnn.Tests.Host.Label.Report;
using SkiaSharp;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Label;

/// <summary>`agent label --report` end to end: the page and the PNG of a labelled video agree with its rows.</summary>
public sealed class LabelReportCommandTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = TestVideos.Directory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<(int Code, string Stdout, string Stderr)> AgentAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await AgentCli.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string SaveModel()
    {
        string path = Path.Combine(_directory, "model.safetensors");
        PolicyModel.CreateDefault(5).Save(path);
        return path;
    }

    [Fact]
    public async Task Label_Report_PageAndPngMatchTheRowsAndTheSummaryNamesThem()
    {
        string video = TestVideos.Write(_directory, "clip.avi", 40, width: 96, height: 80);
        string model = SaveModel();
        string rows = Path.Combine(_directory, "clip.jsonl");
        string html = Path.Combine(_directory, "report", "clip.html");
        string png = Path.Combine(_directory, "report", "clip.png");
        string[] names = ["noop", "fire", "up", "right", "left", "down"];

        var (code, _, stderr) = await AgentAsync("label", video, "--model", model, "--out", rows, "--classes", string.Join(',', names),
            "--report", html, "--min-segment", "3");

        Assert.True(code == 0, stderr);
        Assert.Contains($"; wrote {rows}, {html}, {png}", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(html + ".partial"));
        Assert.False(File.Exists(png + ".partial"));
        string[] lines = File.ReadAllLines(rows);
        var segments = new SegmentBuilder();
        foreach (string line in lines)
        {
            using JsonDocument row = JsonDocument.Parse(line);
            segments.Add(row.RootElement.GetProperty("frame").GetInt64(), row.RootElement.GetProperty("time").GetDouble(),
                Array.IndexOf(names, row.RootElement.GetProperty("label").GetString()));
        }
        string page = File.ReadAllText(html);
        using JsonDocument data = HtmlReportTests.Data(page);
        JsonElement root = data.RootElement;
        Assert.Equal(lines.Length, root.GetProperty("frames").GetInt32());
        Assert.Equal(lines.Length, root.GetProperty("t").GetArrayLength());
        Assert.Equal(names, root.GetProperty("classes").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(segments.Build(3).Count, root.GetProperty("strip").GetArrayLength());
        Assert.Contains("model.safetensors: ours, nature_cnn 4×84×84 → lstm", page, StringComparison.Ordinal);
        Assert.Contains("96×80", page, StringComparison.Ordinal);
        using SKBitmap image = SKBitmap.Decode(png);
        Assert.Equal((1600, 900), (image.Width, image.Height));
        output.WriteLine($"{lines.Length} frames; page {new FileInfo(html).Length:N0} bytes, PNG {new FileInfo(png).Length:N0} bytes");
    }

    [Fact]
    public async Task Label_ReportForSeveralVideos_OnePageAndPngPerVideoInTheDirectory()
    {
        string a = TestVideos.Write(_directory, "a.avi", 12);
        string b = TestVideos.Write(_directory, "b.avi", 15);
        string reports = Path.Combine(_directory, "reports");

        var (code, _, stderr) = await AgentAsync("label", a, b, "--model", SaveModel(), "--out-dir", Path.Combine(_directory, "rows"), "--report", reports);

        Assert.True(code == 0, stderr);
        foreach ((string stem, int frames) in new[] { ("a", 12), ("b", 15) })
        {
            using JsonDocument data = HtmlReportTests.Data(File.ReadAllText(Path.Combine(reports, stem + ".report.html")));
            Assert.Equal(frames, data.RootElement.GetProperty("frames").GetInt32());
            Assert.True(new FileInfo(Path.Combine(reports, stem + ".report.png")).Length > 0);
        }
    }

    [Fact]
    public async Task Label_ReportPathUnwritable_OneLineBeforeDecodingAndNoPartialFiles()
    {
        string video = TestVideos.Write(_directory, "clip.avi", 5);
        string blocker = Path.Combine(_directory, "file");
        File.WriteAllText(blocker, "not a directory");
        string rows = Path.Combine(_directory, "clip.jsonl");

        var (code, _, stderr) = await AgentAsync("label", video, "--model", SaveModel(), "--out", rows, "--report", Path.Combine(blocker, "r.html"));

        Assert.Equal(1, code);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: {Path.Combine(blocker, "r.html")}: cannot write output", line, StringComparison.Ordinal);
        Assert.False(File.Exists(rows + ".partial"));
        Assert.False(File.Exists(rows));
    }

    [Fact]
    public async Task Label_ReportNotHtml_OneLineAndExitCode1()
    {
        var (code, _, stderr) = await AgentAsync("label", "a.mp4", "--model", "m.safetensors", "--report", "a.png");

        Assert.Equal(1, code);
        Assert.Equal("error: --report a.png: name the HTML file, e.g. a.html (the PNG is written beside it)", stderr.Trim());
    }

    [Fact]
    public async Task Label_Help_DescribesReport()
    {
        var (code, stdout, _) = await AgentAsync("label", "--help");

        Assert.Equal(0, code);
        Assert.Contains("--report", stdout, StringComparison.Ordinal);
        Assert.Contains("works offline", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Label_TruncatedVideoWithReport_ReportShowsTheFramesThatWereLabelled()
    {
        string whole = TestVideos.Write(_directory, "whole.avi", 60);
        string broken = Path.Combine(_directory, "broken.avi");
        byte[] bytes = File.ReadAllBytes(whole);
        File.WriteAllBytes(broken, bytes[..(bytes.Length / 2)]);
        string rows = Path.Combine(_directory, "broken.jsonl");
        string html = Path.Combine(_directory, "broken.html");

        var (code, _, stderr) = await AgentAsync("label", broken, "--model", SaveModel(), "--out", rows, "--report", html);

        Assert.Equal(1, code);
        Assert.Contains($"; report written: {html}, {Path.ChangeExtension(html, ".png")}", stderr, StringComparison.Ordinal);
        int labelled = File.ReadAllLines(rows).Length;
        Assert.InRange(labelled, 1, 59);
        using JsonDocument data = HtmlReportTests.Data(File.ReadAllText(html));
        Assert.Equal(labelled, data.RootElement.GetProperty("frames").GetInt32());
    }
}
