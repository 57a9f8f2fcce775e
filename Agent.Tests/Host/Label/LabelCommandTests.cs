using System.Text.Json;
using AgentRnn.Cli;
using AgentRnn.Host.Models;
using AgentRnn.Vision;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Label;

public sealed class LabelCommandTests(ITestOutputHelper output) : IDisposable
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

    private string SaveModel(int seed)
    {
        string path = Path.Combine(_directory, $"model-{seed}.safetensors");
        PolicyModel.CreateDefault(seed).Save(path);
        return path;
    }

    [Theory]
    [InlineData("", GrayConversion.CvtColor)]
    [InlineData("--exact-gray", GrayConversion.CvtColor)]
    [InlineData("--gray luma", GrayConversion.Luma)]
    [InlineData("--gray exact", GrayConversion.CvtColor)]
    public async Task Label_GeneratedVideo_EveryRowMatchesSteppingThePolicyModelDirectly(string flags, GrayConversion conversion)
    {
        // Tolerance 1e-6 on probabilities and values: the CLI steps the same model on the same bytes at batch 1. The
        // direct side decodes gray the way the flags say: cv2's cvtColor by default and with --exact-gray, the luma plane
        // with --gray luma.
        const float tolerance = 1e-6f;
        string video = TestVideos.Write(_directory, "clip.avi", 12, width: 96, height: 80);
        string model = SaveModel(3);
        string rows = Path.Combine(_directory, "clip.jsonl");
        string annotated = Path.Combine(_directory, "clip.annotated.mp4");

        string[] gray = flags.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var (code, _, stderr) = await AgentAsync(["label", video, "--model", model, "--out", rows, "--emit", "probs,value",
            "--classes", "noop,fire,up,right,left,down", "--annotate", annotated, .. gray]);
        Assert.True(code == 0, stderr);

        PolicyModel direct = PolicyModel.Load(model);
        PolicyOutputs outputs = direct.CreateOutputs(1);
        var state = new float[direct.StateSize];
        string[] names = ["noop", "fire", "up", "right", "left", "down"];
        string[] lines = File.ReadAllLines(rows);
        float worst = 0;
        using (VideoSource source = VideoSource.Open(video, new VideoSourceOptions { Format = PixelFormat.Gray, Gray = conversion }))
        using (var preprocessor = new FramePreprocessor(source.Width, source.Height, source.Format, new PreprocessOptions()))
        {
            Assert.Equal(conversion, source.Gray);
            var frame = new byte[source.FrameBytes];
            int i = 0;
            while (source.Read(frame, out VideoFrameInfo info))
            {
                preprocessor.Push(frame);
                direct.Step(preprocessor.Observation, state, [i == 0 ? 1f : 0f], outputs, 1);
                using JsonDocument json = JsonDocument.Parse(lines[i]);
                JsonElement row = json.RootElement;
                Assert.Equal(i, row.GetProperty("frame").GetInt32());
                Assert.Equal(info.TimestampSeconds, row.GetProperty("time").GetDouble());
                Assert.Equal(names[outputs.Actions[0]], row.GetProperty("label").GetString());
                float[] probs = row.GetProperty("probs").EnumerateArray().Select(p => p.GetSingle()).ToArray();
                for (int a = 0; a < probs.Length; a++)
                {
                    worst = Math.Max(worst, Math.Abs(probs[a] - outputs.Probabilities[a]));
                }
                worst = Math.Max(worst, Math.Abs(row.GetProperty("value").GetSingle() - outputs.Values[0]));
                Assert.Equal(outputs.Probabilities[outputs.Actions[0]], row.GetProperty("score").GetSingle(), tolerance);
                i++;
            }
            Assert.Equal(i, lines.Length);
        }
        output.WriteLine($"'{flags}' ({conversion}): {lines.Length} rows; worst difference {worst:E2} (tolerance {tolerance:E0})");
        Assert.True(worst <= tolerance, $"worst difference {worst}");

        using VideoSource copy = VideoSource.Open(annotated);
        var buffer = new byte[copy.FrameBytes];
        int frames = 0;
        while (copy.Read(buffer, out _))
        {
            frames++;
        }
        Assert.Equal(lines.Length, frames);
    }

    [Fact]
    public async Task Label_MissingVideo_OneLineNamingItAndExitCode1()
    {
        string missing = Path.Combine(_directory, "nope.mp4");

        var (code, _, stderr) = await AgentAsync("label", missing, "--model", SaveModel(1), "--out", Path.Combine(_directory, "x.csv"));

        Assert.Equal(1, code);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"error: {missing}: no such file", line);
    }

    [Fact]
    public async Task Label_OutWithSeveralVideos_UsageLine()
    {
        var (code, _, stderr) = await AgentAsync("label", "a.mp4", "b.mp4", "--model", "m.safetensors", "--out", "x.jsonl");

        Assert.Equal(1, code);
        Assert.Equal("error: --out names one file but 2 videos were given: use --out-dir DIR (one output per video)", stderr.Trim());
    }

    [Fact]
    public async Task Label_Help_ExplainsEveryOptionAndZeroBasedFrames()
    {
        var (code, stdout, _) = await AgentAsync("label", "--help");

        Assert.Equal(0, code);
        foreach (string option in new[] { "--model", "--out", "--out-dir", "--format", "--classes", "--classes-file", "--emit", "--segments", "--min-segment", "--annotate", "--gray", "--exact-gray" })
        {
            Assert.Contains(option, stdout);
        }
        Assert.Contains("0-based", stdout);
        Assert.Contains("cv2.VideoCapture", stdout);
        Assert.Contains("luma plane", stdout);
    }
}
