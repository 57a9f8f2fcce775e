using AgentRnn.Cli.Labeling;
using System.Text.Json;
using AgentRnn.Core;
using AgentRnn.Host.Labeling;
using AgentRnn.Tests.Host.Pipeline;
using AgentRnn.Vision;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Label;

public sealed class LabelRunnerTests(ITestOutputHelper output) : IDisposable
{
    private readonly List<string> _directories = [];

    public void Dispose()
    {
        foreach (string directory in _directories)
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private string NewDirectory()
    {
        string directory = TestVideos.Directory();
        _directories.Add(directory);
        return directory;
    }

    private static readonly PreprocessOptions Atari = new();
    private const int ObservationSize = 4 * 84 * 84;

    private static LabelRequest Request(IReadOnlyList<string> videos, IReadOnlyList<string?> rows, LabelFormat format = LabelFormat.Jsonl,
        IReadOnlyList<string?>? segments = null, IReadOnlyList<string?>? annotate = null, int minSegment = 1) => new()
    {
        Videos = videos,
        Rows = rows,
        Format = format,
        EmitProbs = true,
        EmitValue = true,
        Segments = segments ?? videos.Select(_ => (string?)null).ToArray(),
        Annotate = annotate ?? videos.Select(_ => (string?)null).ToArray(),
        MinSegment = minSegment,
        Classes = "left,stay,right",
    };

    /// <summary>
    /// The hash model's values for a video, computed directly: decode (gray from the luma decoder, as label does for a
    /// grayscale model), preprocess, step frame by frame.
    /// </summary>
    private static List<(double Time, float Value)> Direct(string video)
    {
        var expected = new List<(double, float)>();
        using VideoSource source = VideoSource.Open(video, new VideoSourceOptions { Format = PixelFormat.Gray });
        using var preprocessor = new FramePreprocessor(source.Width, source.Height, source.Format, Atari);
        var frame = new byte[source.FrameBytes];
        int h = 0;
        while (source.Read(frame, out VideoFrameInfo info))
        {
            preprocessor.Push(frame);
            h = HashModel.Next(h, HashModel.FrameHash(preprocessor.Observation));
            expected.Add((info.TimestampSeconds, h));
        }
        return expected;
    }

    private static Task RunAsync(LabelRequest request, TextWriter? stdout = null, CancellationToken cancellation = default) =>
        LabelRunner.RunAsync(new HashModel(ObservationSize), Atari, request, stdout ?? TextWriter.Null, TextWriter.Null, showProgress: false, cancellation);

    [Fact]
    public async Task RunAsync_TwoVideos_EveryRowMatchesSteppingTheModelDirectly()
    {
        string dir = NewDirectory();
        string a = TestVideos.Write(dir, "a.avi", 30);
        string b = TestVideos.Write(dir, "b.avi", 45, fps: 30);
        string[] outs = [Path.Combine(dir, "a.jsonl"), Path.Combine(dir, "b.jsonl")];

        await RunAsync(Request([a, b], outs));

        foreach ((string video, string rows) in new[] { (a, outs[0]), (b, outs[1]) })
        {
            List<(double Time, float Value)> expected = Direct(video);
            string[] lines = File.ReadAllLines(rows);
            Assert.Equal(expected.Count, lines.Length);
            for (int i = 0; i < lines.Length; i++)
            {
                using JsonDocument json = JsonDocument.Parse(lines[i]);
                JsonElement row = json.RootElement;
                Assert.Equal(i, row.GetProperty("frame").GetInt32());
                Assert.Equal(expected[i].Time, row.GetProperty("time").GetDouble());
                Assert.Equal(expected[i].Value, row.GetProperty("value").GetSingle());
                Assert.Equal(new[] { "left", "stay", "right" }[(int)expected[i].Value % 3], row.GetProperty("label").GetString());
            }
            Assert.False(File.Exists(rows + ".partial"));
            output.WriteLine($"{video}: {lines.Length} rows match");
        }
    }

    [Fact]
    public async Task RunAsync_CsvSegmentsAndAnnotate_WritesAllThree()
    {
        string dir = NewDirectory();
        string video = TestVideos.Write(dir, "clip.avi", 24);
        string rows = Path.Combine(dir, "out", "clip.csv");
        string segments = Path.Combine(dir, "out", "clip.segments.csv");
        string annotated = Path.Combine(dir, "out", "clip.annotated.avi");

        await RunAsync(Request([video], [rows], LabelFormat.Csv, [segments], [annotated], minSegment: 3));

        string[] lines = File.ReadAllLines(rows);
        Assert.Equal("frame,time,label,score,prob_left,prob_stay,prob_right,value", lines[0]);
        Assert.Equal(25, lines.Length);
        string[] segmentLines = File.ReadAllLines(segments);
        Assert.Equal("label,start_frame,end_frame,start_time,end_time,frames", segmentLines[0]);
        long covered = segmentLines.Skip(1).Sum(l => long.Parse(l.Split(',')[^1]));
        Assert.Equal(24, covered);
        Assert.All(segmentLines.Skip(1), l => Assert.True(long.Parse(l.Split(',')[^1]) >= 3 || segmentLines.Length == 2));

        using VideoSource copy = VideoSource.Open(annotated);
        var frame = new byte[copy.FrameBytes];
        int count = 0;
        while (copy.Read(frame, out _))
        {
            count++;
        }
        Assert.Equal(24, count);
        Assert.Equal(25, copy.Fps, 3);
        Assert.False(File.Exists(Path.ChangeExtension(annotated, ".partial.avi")));
    }

    [Fact]
    public async Task RunAsync_RowsToStdout_WritesOneJsonLinePerFrame()
    {
        string dir = NewDirectory();
        string video = TestVideos.Write(dir, "clip.avi", 10);
        var stdout = new StringWriter();

        await RunAsync(Request([video], [null]), stdout);

        string[] lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(10, lines.Length);
        Assert.All(lines, l => JsonDocument.Parse(l).Dispose());
    }

    [Fact]
    public async Task RunAsync_TruncatedVideo_KeepsEarlierRowsAndNamesTheFrame()
    {
        string dir = NewDirectory();
        string whole = TestVideos.Write(dir, "whole.avi", 60);
        string broken = Path.Combine(dir, "broken.avi");
        byte[] bytes = File.ReadAllBytes(whole);
        File.WriteAllBytes(broken, bytes[..(bytes.Length / 2)]);
        string rows = Path.Combine(dir, "broken.jsonl");

        var error = await Assert.ThrowsAnyAsync<AgentException>(() => RunAsync(Request([broken], [rows])));
        output.WriteLine(error.Message);

        string[] lines = File.ReadAllLines(rows);
        Assert.InRange(lines.Length, 1, 59);
        Assert.Contains(broken, error.Message);
        Assert.Contains($"at frame {lines.Length}", error.Message);
        Assert.Contains($"{lines.Length} frames labelled and written to {rows}", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task RunAsync_UnwritableOutput_FailsBeforeDecoding()
    {
        string dir = NewDirectory();
        string video = TestVideos.Write(dir, "clip.avi", 5);
        string blocker = Path.Combine(dir, "file");
        File.WriteAllText(blocker, "");

        var error = await Assert.ThrowsAsync<AgentException>(() => RunAsync(Request([video], [Path.Combine(blocker, "rows.jsonl")])));

        Assert.Contains("cannot write output", error.Message);
    }

    [Theory]
    [InlineData("missing.avi", "no such file")]
    [InlineData("empty.avi", "the file is empty")]
    [InlineData("text.avi", "not a video")]
    public async Task RunAsync_BadVideo_OneLineNamingTheFileAndNoPartialOutput(string name, string expected)
    {
        string dir = NewDirectory();
        if (name == "empty.avi")
        {
            File.WriteAllBytes(Path.Combine(dir, name), []);
        }
        if (name == "text.avi")
        {
            File.WriteAllText(Path.Combine(dir, name), "this is not a video at all, just some text\n");
        }
        string path = Path.Combine(dir, name);

        var error = await Assert.ThrowsAnyAsync<AgentException>(() => RunAsync(Request([path], [Path.Combine(dir, "rows.jsonl")])));
        output.WriteLine(error.Message);

        Assert.StartsWith(path, error.Message);
        Assert.Contains(expected, error.Message);
        Assert.Empty(Directory.GetFiles(dir, "*.partial"));
    }
}
