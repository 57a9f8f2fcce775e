using System.Text.Json;
using AgentRnn.Cli;
using AgentRnn.Core;
using AgentRnn.Core.SafeTensors;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Label;

/// <summary>
/// `agent label` on default flags against PyTorch + cv2: fresh random CleanRL and SB3 models (committed fixtures from
/// tools/reference/fixtures_label.py, so that the tests never need torch) label a video this test encodes anew, and
/// every frame's probabilities and value must be within 1e-4 of what the PyTorch twin computed from cv2.VideoCapture +
/// cv2.cvtColor(BGR2GRAY) + cv2.resize(INTER_AREA). The frames follow the script's frame() formula; FFV1 keeps them exactly.
/// </summary>
public sealed class PyTorchParityTests(ITestOutputHelper output) : IDisposable
{
    private const int Width = 131, Height = 91, Frames = 20, Fps = 10;
    private readonly Vision.TestVideos _videos = new();

    public void Dispose() => _videos.Dispose();

    [Theory]
    [InlineData("cleanrl")]
    [InlineData("sb3")]
    public async Task Label_DefaultFlags_WithinOneE4OfPyTorchAndCv2(string layout)
    {
        const float Tolerance = 1e-4f;
        string video = Video();
        string model = Path.Combine(AppContext.BaseDirectory, "Fixtures", "label", layout + ".safetensors");
        string rows = _videos.PathFor(layout + ".jsonl");
        var stderr = new StringWriter();
        int code = await AgentCli.RunAsync(["label", video, "--model", model, "--out", rows, "--emit", "probs,value"], new StringWriter(), stderr);
        Assert.True(code == 0, stderr.ToString());

        using SafeTensorsFile expected = SafeTensorsFile.Open(Path.Combine(AppContext.BaseDirectory, "Fixtures", "label", layout + "_expected.safetensors"));
        Tensor probs = expected.ReadTensor("probs");
        Tensor values = expected.ReadTensor("values");
        int actions = probs.Dim(1);
        string[] lines = File.ReadAllLines(rows);
        Assert.Equal(Frames, lines.Length);
        float worstProb = 0, worstValue = 0;
        for (int t = 0; t < lines.Length; t++)
        {
            using JsonDocument json = JsonDocument.Parse(lines[t]);
            float[] actual = json.RootElement.GetProperty("probs").EnumerateArray().Select(p => p.GetSingle()).ToArray();
            Assert.Equal(actions, actual.Length);
            for (int a = 0; a < actions; a++)
            {
                worstProb = Math.Max(worstProb, Math.Abs(actual[a] - probs.Data[t * actions + a]));
            }
            worstValue = Math.Max(worstValue, Math.Abs(json.RootElement.GetProperty("value").GetSingle() - values.Data[t]));
        }
        output.WriteLine($"{layout}: {lines.Length} frames; worst |probs - PyTorch| {worstProb:E2}, worst |value - PyTorch| {worstValue:E2} (tolerance {Tolerance:E0})");
        Assert.True(worstProb <= Tolerance, $"worst probability difference {worstProb}");
        Assert.True(worstValue <= Tolerance, $"worst value difference {worstValue}");
    }

    /// <summary>
    /// `--frame-skip 4 --crop 5,7,120,80 --start 3` against tools/reference/fixtures_label_skip.py: SB3's MaxAndSkipEnv
    /// (max of the last two colour frames of each group of 4) and WarpFrame (cv2 gray, INTER_AREA) on a crop, the CleanRL
    /// model stepped over the pooled frames. Each row's frame is the group's last raw frame; probabilities and value within 1e-4.
    /// </summary>
    [Fact]
    public async Task Label_FrameSkip4CropStart_CleanRl_WithinOneE4OfPyTorchMaxAndSkip()
    {
        const float Tolerance = 1e-4f;
        string video = Video(frames: 40);
        string model = Path.Combine(AppContext.BaseDirectory, "Fixtures", "label", "cleanrl.safetensors");
        string rows = _videos.PathFor("skip.jsonl");
        var stderr = new StringWriter();
        int code = await AgentCli.RunAsync(["label", video, "--model", model, "--out", rows, "--emit", "probs,value",
            "--frame-skip", "4", "--crop", "5,7,120,80", "--start", "3"], new StringWriter(), stderr);
        Assert.True(code == 0, stderr.ToString());

        using SafeTensorsFile expected = SafeTensorsFile.Open(Path.Combine(AppContext.BaseDirectory, "Fixtures", "label", "cleanrl_skip4_expected.safetensors"));
        Tensor probs = expected.ReadTensor("probs");
        Tensor values = expected.ReadTensor("values");
        Tensor frames = expected.ReadTensor("frames");
        int actions = probs.Dim(1);
        string[] lines = File.ReadAllLines(rows);
        Assert.Equal(frames.Dim(0), lines.Length);
        float worstProb = 0, worstValue = 0;
        for (int t = 0; t < lines.Length; t++)
        {
            using JsonDocument json = JsonDocument.Parse(lines[t]);
            Assert.Equal((long)frames.Data[t], json.RootElement.GetProperty("frame").GetInt64());
            float[] actual = json.RootElement.GetProperty("probs").EnumerateArray().Select(p => p.GetSingle()).ToArray();
            for (int a = 0; a < actions; a++)
            {
                worstProb = Math.Max(worstProb, Math.Abs(actual[a] - probs.Data[t * actions + a]));
            }
            worstValue = Math.Max(worstValue, Math.Abs(json.RootElement.GetProperty("value").GetSingle() - values.Data[t]));
        }
        output.WriteLine($"frame-skip 4: {lines.Length} rows; worst |probs - PyTorch| {worstProb:E2}, worst |value - PyTorch| {worstValue:E2} (tolerance {Tolerance:E0})");
        Assert.True(worstProb <= Tolerance, $"worst probability difference {worstProb}");
        Assert.True(worstValue <= Tolerance, $"worst value difference {worstValue}");
    }

    // tools/reference/fixtures_label.py's frame(i), encoded losslessly (FFV1, bgr0) by the ffmpeg CLI.
    private string Video(int frames = Frames)
    {
        string raw = _videos.PathFor($"clip{frames}.bgr");
        using (FileStream file = File.Create(raw))
        {
            var frame = new byte[Width * Height * 3];
            for (int i = 0; i < frames; i++)
            {
                for (int y = 0; y < Height; y++)
                {
                    for (int x = 0; x < Width; x++)
                    {
                        int o = (y * Width + x) * 3;
                        frame[o] = (byte)((x * 3 + y * 5 + i * 7 + ((x * x + y * 3 + i * 11) % 23) * 5) & 255);
                        frame[o + 1] = (byte)((x * 2 + y * 7 + i * 3 + ((y * y + x * 5 + i * 2) % 19) * 7) & 255);
                        frame[o + 2] = (byte)((x * 5 + y * 2 + i * 5 + ((x * y + i * 17) % 31) * 3) & 255);
                    }
                }
                file.Write(frame);
            }
        }
        string path = _videos.PathFor($"clip{frames}.mkv");
        Vision.TestVideos.Ffmpeg("-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", $"{Width}x{Height}", "-r", $"{Fps}", "-i", raw,
            "-c:v", "ffv1", "-pix_fmt", "bgr0", path);
        return path;
    }
}
