using System.Text.Json;
using AgentRnn.Cli;
using AgentRnn.Core;
using AgentRnn.Host.Labeling;
using AgentRnn.Host.Models;
using AgentRnn.Tests.Host.Models;
using AgentRnn.Vision;

namespace AgentRnn.Tests.Host.Label;

/// <summary>Which gray a model's video frames get: declared in the model, PyTorch-exact by default, overridden by flags.</summary>
public sealed class GrayConversionTests : IDisposable
{
    private readonly string _directory = TestVideos.Directory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void ModelConfigJson_GrayAndResize_RoundTripAndDefaultToCvtColor()
    {
        ModelConfig luma = ModelConfig.Default with { Preprocess = PreprocessConfig.Atari(4) with { Gray = GrayConversion.Luma } };
        string json = luma.ToJson();
        Assert.Contains("\"gray\":\"luma\",\"resize\":\"area\"", json);
        Assert.Equal(GrayConversion.Luma, ModelConfig.FromJson(json, "m").Preprocess!.Gray);
        string older = json.Replace("\"gray\":\"luma\",\"resize\":\"area\",", "", StringComparison.Ordinal);
        Assert.Equal(GrayConversion.CvtColor, ModelConfig.FromJson(older, "m").Preprocess!.Gray);
        Assert.Contains("\"gray\":\"cvtcolor\"", ModelConfig.Default.ToJson());
    }

    [Theory]
    [InlineData("\"gray\":\"luma\"", "\"gray\":\"y\"", "m: agent.config: preprocess.gray 'y' is not one of cvtcolor, luma")]
    [InlineData("\"resize\":\"area\"", "\"resize\":\"linear\"", "m: agent.config: preprocess.resize 'linear' is not supported (area, as cv2.INTER_AREA)")]
    public void ModelConfigJson_UnknownGrayOrResize_OneLineNamingTheField(string field, string replacement, string message)
    {
        string json = (ModelConfig.Default with { Preprocess = PreprocessConfig.Atari(4) with { Gray = GrayConversion.Luma } }).ToJson()
            .Replace(field, replacement, StringComparison.Ordinal);
        var e = Assert.Throws<ModelFormatException>(() => ModelConfig.FromJson(json, "m"));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("cleanrl")]
    [InlineData("sb3")]
    public void Load_CleanRlOrSb3Checkpoint_GetsPyTorchExactGray(string fixture)
    {
        PolicyModel model = PolicyModel.Load(ModelFixture.Path(fixture + ".safetensors"));
        Assert.Equal(GrayConversion.CvtColor, model.Config.Preprocess!.Gray);
    }

    [Theory]
    [InlineData(null, false, null)]
    [InlineData("luma", false, GrayConversion.Luma)]
    [InlineData("exact", false, GrayConversion.CvtColor)]
    [InlineData(null, true, GrayConversion.CvtColor)]
    [InlineData("exact", true, GrayConversion.CvtColor)]
    public void ResolveGray_Flags_GiveTheConversionOrLeaveItToTheModel(string? gray, bool exactGray, GrayConversion? expected)
    {
        Assert.Equal(expected, LabelRequestBuilder.ResolveGray(gray, exactGray));
    }

    [Theory]
    [InlineData("luma", true, "--exact-gray and --gray luma are contradictory: give one")]
    [InlineData("ycbcr", false, "--gray: unknown conversion 'ycbcr' (expected exact or luma)")]
    public void ResolveGray_ContradictionOrUnknown_OneClearLine(string gray, bool exactGray, string message)
    {
        var e = Assert.Throws<AgentException>(() => LabelRequestBuilder.ResolveGray(gray, exactGray));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("", GrayConversion.Luma)]
    [InlineData("--exact-gray", GrayConversion.CvtColor)]
    [InlineData("--gray exact", GrayConversion.CvtColor)]
    public async Task Label_ModelDeclaringLuma_UsesItUnlessTheFlagsSayOtherwise(string flags, GrayConversion expected)
    {
        // An H.264 clip (limited-range YUV), where the luma plane and cvtColor's gray differ on most pixels.
        string video = Path.Combine(_directory, "clip.mkv");
        Vision.TestVideos.Ffmpeg("-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=128x96:rate=10", "-frames:v", "6",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", video);
        string model = Path.Combine(_directory, "luma.safetensors");
        PolicyModel.CreateRandom(ModelConfig.Default with { Preprocess = PreprocessConfig.Atari(4) with { Gray = GrayConversion.Luma } }, 5).Save(model);
        (int code, string inspect) = await Agent(["inspect", model]);
        Assert.Equal(0, code);
        Assert.Contains("gray (video: luma plane, declared by the model)", inspect);

        string rows = Path.Combine(_directory, "rows.jsonl");
        string[] extra = flags.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        (code, _) = await Agent(["label", video, "--model", model, "--out", rows, "--emit", "value", .. extra]);
        Assert.Equal(0, code);

        // The direct side: the same model stepped on frames made gray the expected way, then on the other way.
        float[] Values(GrayConversion gray)
        {
            PolicyModel direct = PolicyModel.Load(model);
            PolicyOutputs outputs = direct.CreateOutputs(1);
            var state = new float[direct.StateSize];
            var values = new List<float>();
            using VideoSource source = VideoSource.Open(video, new VideoSourceOptions { Format = PixelFormat.Gray, Gray = gray });
            using var preprocessor = new FramePreprocessor(source.Width, source.Height, PixelFormat.Gray, new PreprocessOptions());
            var frame = new byte[source.FrameBytes];
            while (source.Read(frame, out _))
            {
                preprocessor.Push(frame);
                direct.Step(preprocessor.Observation, state, [values.Count == 0 ? 1f : 0f], outputs, 1);
                values.Add(outputs.Values[0]);
            }
            return values.ToArray();
        }
        float[] labelled = File.ReadAllLines(rows).Select(line =>
        {
            using JsonDocument json = JsonDocument.Parse(line);
            return json.RootElement.GetProperty("value").GetSingle();
        }).ToArray();
        float[] wanted = Values(expected);
        float[] other = Values(expected == GrayConversion.Luma ? GrayConversion.CvtColor : GrayConversion.Luma);
        Assert.Equal(wanted.Length, labelled.Length);
        // Tolerance 1e-6: the same model on the same bytes; the other conversion must be visibly different.
        Assert.All(labelled.Zip(wanted), p => Assert.Equal(p.Second, p.First, 1e-6f));
        Assert.Contains(labelled.Zip(other), p => Math.Abs(p.First - p.Second) > 1e-5f);
    }

    private static async Task<(int Code, string Stdout)> Agent(string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await AgentCli.RunAsync(args, stdout, stderr);
        Assert.True(code == 0, stderr.ToString());
        return (code, stdout.ToString());
    }
}
