using System.Text.Json;
using AgentRnn.Cli;
using AgentRnn.Vision;

namespace AgentRnn.Tests.Vision;

public sealed class ProbeCommandTests : IDisposable
{
    private readonly TestVideos _videos = new();

    public void Dispose() => _videos.Dispose();

    private static async Task<(int Code, string Stdout, string Stderr)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await AgentCli.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("clip.avi", "XVID", 77, 45, 12.0, 29, "XVID")]
    [InlineData("clip.mkv", "FFV1", 52, 38, 30.0, 41, "FFV1")]
    [InlineData("clip.mp4", "h264", 64, 36, 24.0, 19, "avc1")]
    public async Task Probe_Json_LastLineReportsExactFacts(string name, string fourcc, int width, int height, double fps, int frames, string codec)
    {
        string path = fourcc == "h264" ? _videos.WriteH264(name, width, height, fps, frames) : _videos.Write(name, fourcc, width, height, fps, frames);
        var (code, stdout, stderr) = await Run("probe", path, "--json");
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        string last = stdout.TrimEnd().Split('\n')[^1];
        using JsonDocument json = JsonDocument.Parse(last);
        JsonElement root = json.RootElement;
        Assert.Equal(path, root.GetProperty("path").GetString());
        Assert.Equal(width & ~1, root.GetProperty("width").GetInt32());
        Assert.Equal(height & ~1, root.GetProperty("height").GetInt32());
        Assert.Equal(fps, root.GetProperty("fps").GetDouble(), 3);
        Assert.Equal(frames, root.GetProperty("frames").GetInt32());
        Assert.Equal(frames, root.GetProperty("declared_frames").GetInt32());
        Assert.Equal(frames / fps, root.GetProperty("duration_s").GetDouble(), 2);
        // The codec as Debian's cv2 (OpenCV 4.6) reports it, which the default system-FFmpeg decoder follows: the
        // container's tag, else the codec's name (OpenCvSharp's OpenCV 4.13 would say FMP4, ffv1, h264).
        Assert.Equal(codec, root.GetProperty("codec").GetString());
    }

    [Fact]
    public async Task Probe_Text_PrintsFacts()
    {
        string path = _videos.Write("text.avi", "MJPG", 32, 24, 10, 7);
        var (code, stdout, _) = await Run("probe", path);
        Assert.Equal(0, code);
        Assert.Contains("frames:          7 (decoded)", stdout);
        Assert.Contains("size:            32x24", stdout);
    }

    [Fact]
    public async Task Probe_Help_DescribesCommand()
    {
        var (code, stdout, _) = await Run("probe", "--help");
        Assert.Equal(0, code);
        Assert.Contains("--json", stdout);
        Assert.Contains("VIDEO", stdout);
    }

    public static TheoryData<string> BadInputs => new() { "missing", "empty", "text", "truncated" };

    private string MakeBadInput(string kind)
    {
        switch (kind)
        {
            case "missing":
                return _videos.PathFor("missing.mp4");
            case "empty":
                string empty = _videos.PathFor("empty.avi");
                File.WriteAllBytes(empty, []);
                return empty;
            case "text":
                string text = _videos.PathFor("text.mkv");
                File.WriteAllText(text, "hello\n");
                return text;
            default:
                return _videos.Truncate(_videos.Write("whole.avi", "MJPG", 64, 48, 30, 60), 0.5);
        }
    }

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Probe_BadInput_OneLineNamingFileNonZeroExitNoStack(string kind)
    {
        string path = MakeBadInput(kind);
        var (code, stdout, stderr) = await Run("probe", path, "--json");
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith($"error: {path}: ", lines[0]);
        if (kind == "truncated")
        {
            Assert.Matches(@"breaks at frame \d+", lines[0]);
        }
    }

    [Fact]
    public async Task Probe_BadInputVerbose_ShowsStack()
    {
        var (code, _, stderr) = await Run("probe", _videos.PathFor("missing.mp4"), "--verbose");
        Assert.Equal(1, code);
        Assert.Contains(nameof(VideoException), stderr);
        Assert.Contains(" at ", stderr);
    }
}
