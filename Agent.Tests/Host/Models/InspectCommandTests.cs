using System.Text.Json;
using AgentRnn.Cli;
using AgentRnn.Tests.Core.SafeTensors;

namespace AgentRnn.Tests.Host.Models;

public sealed class InspectCommandTests
{
    private static async Task<(int Code, string Out, string Err)> Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await AgentCli.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("cleanrl", "cleanrl (CleanRL ppo_atari_lstm Agent)", "84x84 gray (video: cv2.cvtColor BGR2GRAY of the decoded frame, PyTorch-exact), INTER_AREA, frame stack 1, scale 1/255")]
    [InlineData("sb3", "sb3 (SB3-contrib RecurrentPPO CnnLstmPolicy)", "value from its own lstm (32)")]
    [InlineData("ours_mlp_gru_gaussian", "ours (agent.config)", "gaussian, 3 dimensions")]
    public async Task Inspect_Fixture_PrintsLayoutArchitectureAndPreprocessing(string fixture, string layout, string detail)
    {
        (int code, string stdout, string stderr) = await Run("inspect", ModelFixture.Path(fixture + ".safetensors"));
        Assert.Equal(0, code);
        Assert.Equal("", stderr);
        Assert.Contains("layout:      " + layout, stdout);
        Assert.Contains(detail, stdout);
        Assert.Contains("parameters:  ", stdout);
    }

    [Fact]
    public async Task Inspect_Json_LastLineIsOneObject()
    {
        (int code, string stdout, _) = await Run("inspect", ModelFixture.Path("cleanrl.safetensors"), "--json");
        Assert.Equal(0, code);
        using JsonDocument doc = JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]);
        JsonElement root = doc.RootElement;
        Assert.Equal("cleanrl", root.GetProperty("layout").GetString());
        Assert.Equal(128_663, root.GetProperty("parameters").GetInt64());
        Assert.Equal(64, root.GetProperty("state_size").GetInt32());
        Assert.Equal(84, root.GetProperty("config").GetProperty("preprocess").GetProperty("height").GetInt32());
        Assert.Equal("BF16", root.GetProperty("dtypes")[0].GetString());
    }

    [Fact]
    public async Task Inspect_ActionSizesOption_ShowsMultiDiscrete()
    {
        (int code, string stdout, _) = await Run("inspect", ModelFixture.Path("cleanrl.safetensors"), "--action-sizes", "2,4");
        Assert.Equal(0, code);
        Assert.Contains("multi-discrete [2, 4]", stdout);
    }

    public static TheoryData<string, byte[], string> BadFiles => new()
    {
        { "header longer than the file", SafeTensorsBytes.Build("{}", [], declaredLength: 999), "is longer than the file" },
        { "header not JSON", SafeTensorsBytes.Build("{nope}", []), "not valid JSON" },
        { "truncated data", SafeTensorsBytes.Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", new byte[8]), "fall outside" },
        { "overlapping", SafeTensorsBytes.Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]), "overlap" },
        { "unknown dtype", SafeTensorsBytes.Build("{\"a\":{\"dtype\":\"X9\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "unknown dtype" },
        { "shape vs bytes", SafeTensorsBytes.Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,4]}}", new byte[4]), "needs 12 bytes" },
        { "no known layout", SafeTensorsBytes.Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "matches no known layout" },
        { "missing tensor", SafeTensorsBytes.Build("{\"network.0.weight\":{\"dtype\":\"F32\",\"shape\":[32,1,8,8],\"data_offsets\":[0,8192]},\"lstm.weight_ih_l0\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8192,8196]}}", new byte[8196]), "tensor 'network.7.weight' is missing" },
        { "empty file", [], "shorter than the 8-byte header length" },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task Inspect_BadFile_OneLineAndExitCodeOne(string what, byte[] bytes, string expected)
    {
        using var dir = new TempDirectory();
        string path = dir.File("bad.safetensors");
        File.WriteAllBytes(path, bytes);
        (int code, string stdout, string stderr) = await Run("inspect", path);
        Assert.True(code == 1, what);
        Assert.Equal("", stdout);
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: " + path, lines[0]);
        Assert.Contains(expected, lines[0]);
    }

    [Fact]
    public async Task Inspect_MissingFile_OneLineAndExitCodeOne()
    {
        (int code, _, string stderr) = await Run("inspect", "/no/such/model.safetensors");
        Assert.Equal(1, code);
        Assert.Contains("cannot open", stderr);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Inspect_HeightWithoutWidth_OneLineError()
    {
        (int code, _, string stderr) = await Run("inspect", ModelFixture.Path("cleanrl.safetensors"), "--height", "84");
        Assert.Equal(1, code);
        Assert.Contains("--height and --width go together", stderr);
    }
}
