using AgentRnn.Core;
using AgentRnn.Core.SafeTensors;
using AgentRnn.Host.Models;
using AgentRnn.Tests.Core.SafeTensors;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Models;

/// <summary>Layout detection, shape inference, options, and the one-line errors of checkpoints that do not fit.</summary>
public sealed class CheckpointLoadingTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static Dictionary<string, Tensor> Tensors(string fixture, out IReadOnlyDictionary<string, string> metadata)
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(ModelFixture.Path(fixture + ".safetensors"));
        metadata = file.Metadata;
        return file.Tensors.ToDictionary(t => t.Name, t => file.ReadTensor(t.Name));
    }

    private string Write(Dictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null, string name = "m.safetensors")
    {
        string path = _dir.File(name);
        SafeTensorsWriter.Write(path, tensors, metadata);
        return path;
    }

    private ModelFormatException LoadFails(string path, ModelLoadOptions? options = null)
    {
        var e = Assert.Throws<ModelFormatException>(() => PolicyModel.Load(path, options));
        output.WriteLine(e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.StartsWith(path, e.Message);
        return e;
    }

    [Fact]
    public void Load_CleanRl_InfersSizesAndDefaultPreprocessingFromShapes()
    {
        ModelConfig c = PolicyModel.Load(ModelFixture.Path("cleanrl.safetensors")).Config;
        Assert.Equal((EncoderKind.NatureCnn, 1, 84, 84, 16), (c.Encoder, c.Channels, c.Height, c.Width, c.FeatureSize));
        Assert.Equal((32, 1, false), (c.HiddenSize, c.Layers, c.CriticMemory));
        Assert.Equal(ActionSpec.Discrete(6).ToString(), c.Action.ToString());
        Assert.Equal(new PreprocessConfig(84, 84, true, 1, 1f / 255f), c.Preprocess);
    }

    [Fact]
    public void Load_Sb3_InfersCriticLstmAndSmallestSquareInput()
    {
        PolicyModel model = PolicyModel.Load(ModelFixture.Path("sb3.safetensors"));
        ModelConfig c = model.Config;
        Assert.Equal((4, 36, 36, 64, 32, true), (c.Channels, c.Height, c.Width, c.FeatureSize, c.HiddenSize, c.CriticMemory));
        Assert.Equal(2 * 2 * 32, model.StateSize);
        Assert.True(model.Config.CriticMemory);
    }

    [Fact]
    public void Load_Sb3WithExtractorAliases_AcceptsIdenticalCopies()
    {
        Dictionary<string, Tensor> t = Tensors("sb3", out _);
        foreach (string name in t.Keys.Where(k => k.StartsWith("features_extractor.", StringComparison.Ordinal)).ToArray())
        {
            t["pi_" + name] = t[name];
            t["vf_" + name] = t[name];
        }
        var fixture = new ModelFixture("sb3");
        PolicyModelParityTests.RunAndCompare(output, "sb3 with aliases", PolicyModel.Load(Write(t)), fixture);
    }

    [Fact]
    public void Load_Sb3WithOnlyPiExtractor_UsesIt()
    {
        Dictionary<string, Tensor> t = Tensors("sb3", out _);
        foreach (string name in t.Keys.Where(k => k.StartsWith("features_extractor.", StringComparison.Ordinal)).ToArray())
        {
            t["pi_" + name] = t[name];
            t.Remove(name);
        }
        PolicyModelParityTests.RunAndCompare(output, "sb3 pi extractor", PolicyModel.Load(Write(t)), new ModelFixture("sb3"));
    }

    [Fact]
    public void Load_Sb3WithDifferentCriticExtractor_FailsNamingIt()
    {
        Dictionary<string, Tensor> t = Tensors("sb3", out _);
        var changed = new Tensor((float[])t["features_extractor.cnn.0.bias"].Data.Clone(), 32);
        changed.Span[0] += 1f;
        t["vf_features_extractor.cnn.0.bias"] = changed;
        Assert.Contains("'vf_features_extractor.cnn.0.bias' differs", LoadFails(Write(t)).Message);
    }

    [Fact]
    public void Load_Sb3WithMlpExtractorLayers_FailsNamingTheTensor()
    {
        Dictionary<string, Tensor> t = Tensors("sb3", out _);
        t["mlp_extractor.policy_net.0.weight"] = new Tensor(64, 32);
        Assert.Contains("'mlp_extractor.policy_net.0.weight' (64, 32)", LoadFails(Write(t)).Message);
    }

    [Fact]
    public void Load_Sb3SharedLstm_CriticReadsTheActorMemory()
    {
        Dictionary<string, Tensor> t = Tensors("sb3", out _);
        foreach (string name in t.Keys.Where(k => k.StartsWith("lstm_critic.", StringComparison.Ordinal)).ToArray())
        {
            t.Remove(name);
        }
        PolicyModel model = PolicyModel.Load(Write(t));
        Assert.False(model.Config.CriticMemory);
        Assert.False(model.Config.CriticMemory);
        Assert.Equal(64, model.StateSize);
    }

    [Fact]
    public void Load_Sb3WithLogStd_IsAGaussianHead()
    {
        Dictionary<string, Tensor> t = Tensors("sb3", out _);
        t["log_std"] = new Tensor([0f, -1f, 0.5f, 0f, 0f], 5);
        PolicyModel model = PolicyModel.Load(Write(t));
        Assert.Equal(ActionKind.Box, model.Action.Kind);
        var gaussian = Assert.IsType<GaussianHead>(model.Actor);
        Assert.Equal(MathF.Exp(-1f), gaussian.Std[1]);
    }

    [Fact]
    public void Load_ActionSizesOption_MakesMultiDiscreteHead()
    {
        PolicyModel model = PolicyModel.Load(ModelFixture.Path("cleanrl.safetensors"), new ModelLoadOptions { ActionSizes = [4, 2] });
        Assert.Equal(ActionSpec.MultiDiscrete(4, 2).ToString(), model.Action.ToString());
        Assert.IsType<MultiDiscreteHead>(model.Actor);
    }

    [Fact]
    public void Load_ActionSizesThatDoNotAddUp_FailsNamingTheActor()
    {
        string path = _dir.File("c.safetensors");
        File.Copy(ModelFixture.Path("cleanrl.safetensors"), path);
        Assert.Contains("'actor.weight' has 6 outputs", LoadFails(path, new ModelLoadOptions { ActionSizes = [4, 3] }).Message);
    }

    [Fact]
    public void Load_InputSizeOverrideThatDisagreesWithLinear_FailsWithExpectedShape()
    {
        string path = _dir.File("c.safetensors");
        File.Copy(ModelFixture.Path("cleanrl.safetensors"), path);
        string message = LoadFails(path, new ModelLoadOptions { Height = 40, Width = 40 }).Message;
        Assert.Contains("tensor 'network.7.weight' has shape (16, 3136), expected (16, 64)", message);
    }

    [Fact]
    public void Load_InputSizeOverrideThatAgrees_IsUsed()
    {
        ModelConfig c = PolicyModel.Load(ModelFixture.Path("cleanrl.safetensors"), new ModelLoadOptions { Height = 87, Width = 85, Scale = 1f }).Config;
        Assert.Equal((87, 85, 1f), (c.Height, c.Width, c.Preprocess!.Scale));
    }

    [Fact]
    public void Load_RgbOverrideOnChannelsNotDivisibleByThree_Fails()
    {
        string path = _dir.File("s.safetensors");
        File.Copy(ModelFixture.Path("sb3.safetensors"), path);
        Assert.Contains("4 input channels cannot be a stack of RGB frames", LoadFails(path, new ModelLoadOptions { Grayscale = false }).Message);
    }

    [Theory]
    [InlineData("cleanrl", "actor.bias", "tensor 'actor.bias' is missing; expected shape (6)")]
    [InlineData("cleanrl", "network.4.weight", "tensor 'network.4.weight' is missing; expected shape (64, 64, 3, 3)")]
    [InlineData("sb3", "lstm_critic.bias_hh_l0", "tensor 'lstm_critic.bias_hh_l0' is missing; expected shape (128)")]
    [InlineData("sb3", "value_net.weight", "tensor 'value_net.weight' is missing; expected shape (1, 32)")]
    [InlineData("ours_mlp_gru_gaussian", "actor.log_std", "tensor 'actor.log_std' is missing; expected shape (3)")]
    [InlineData("ours_mlp_gru_gaussian", "memory.weight_hh_l1", "tensor 'memory.weight_hh_l1' is missing; expected shape (48, 16)")]
    public void Load_MissingTensor_FailsNamingItAndItsShape(string fixture, string removed, string expected)
    {
        Dictionary<string, Tensor> t = Tensors(fixture, out IReadOnlyDictionary<string, string> metadata);
        Assert.True(t.Remove(removed));
        Assert.Contains(expected, LoadFails(Write(t, metadata)).Message);
    }

    [Theory]
    [InlineData("cleanrl", "lstm.weight_ih_l0", new[] { 128, 15 }, "tensor 'lstm.weight_ih_l0' has shape (128, 15), expected (128, 16)")]
    [InlineData("cleanrl", "critic.weight", new[] { 2, 32 }, "tensor 'critic.weight' has shape (2, 32), expected (1, 32)")]
    [InlineData("sb3", "features_extractor.cnn.2.weight", new[] { 64, 32, 3, 3 }, "tensor 'features_extractor.cnn.2.weight' has shape (64, 32, 3, 3), expected (64, 32, 4, 4)")]
    [InlineData("ours_mlp_lstm_multidiscrete", "actor.weight", new[] { 8, 16 }, "tensor 'actor.weight' has shape (8, 16), expected (9, 16)")]
    public void Load_WrongShape_FailsNamingTensorShapeAndExpected(string fixture, string name, int[] shape, string expected)
    {
        Dictionary<string, Tensor> t = Tensors(fixture, out IReadOnlyDictionary<string, string> metadata);
        t[name] = new Tensor(shape);
        Assert.Contains(expected, LoadFails(Write(t, metadata)).Message);
    }

    [Fact]
    public void Load_UnknownLayout_FailsListingTheKnownOnes()
    {
        string message = LoadFails(Write(new Dictionary<string, Tensor> { ["fc.weight"] = new Tensor(2, 2) })).Message;
        Assert.Contains("matches no known layout", message);
        Assert.Contains("'fc.weight'", message);
    }

    [Fact]
    public void Load_ExtraTensorInOurs_FailsNamingIt()
    {
        Dictionary<string, Tensor> t = Tensors("ours_mlp_rnn_discrete", out IReadOnlyDictionary<string, string> metadata);
        t["encoder.fc9.weight"] = new Tensor(1);
        Assert.Contains("tensor 'encoder.fc9.weight' (1) is not part of the ours layout", LoadFails(Write(t, metadata)).Message);
    }

    [Theory]
    [InlineData("{", "is not valid JSON")]
    [InlineData("[]", "the config is not a JSON object")]
    [InlineData("{\"format\":2}", "format 2 is not supported")]
    [InlineData("{\"format\":1}", "encoder is missing")]
    [InlineData("{\"format\":1,\"encoder\":{\"kind\":\"vit\"}}", "encoder.kind 'vit' is not one of")]
    [InlineData("{\"format\":1,\"encoder\":{\"kind\":\"mlp\",\"inputs\":5,\"layers\":[8,0],\"activation\":\"tanh\"}}", "encoder.layers[1] must be a positive integer")]
    [InlineData("{\"format\":1,\"encoder\":{\"kind\":\"mlp\",\"inputs\":5,\"layers\":[8],\"activation\":\"tanh\"},\"memory\":{\"cell\":\"lstm\",\"hidden\":\"x\"}}", "memory.hidden must be a non-negative integer")]
    [InlineData("{\"format\":1,\"encoder\":{\"kind\":\"nature_cnn\",\"channels\":4,\"height\":20,\"width\":20,\"features\":8},\"memory\":{\"cell\":\"gru\",\"hidden\":4,\"layers\":1,\"critic_memory\":false},\"action\":{\"kind\":\"discrete\",\"sizes\":[3]}}", "NatureCNN needs an input of at least 36x36")]
    [InlineData("{\"format\":1,\"encoder\":{\"kind\":\"mlp\",\"inputs\":5,\"layers\":[8],\"activation\":\"tanh\"},\"memory\":{\"cell\":\"lstm\",\"hidden\":4,\"layers\":1,\"critic_memory\":false},\"action\":{\"kind\":\"discrete\",\"sizes\":[3,2]}}", "Discrete action space cannot have sizes [3, 2]")]
    [InlineData("{\"format\":1,\"encoder\":{\"kind\":\"mlp\",\"inputs\":5,\"layers\":[8],\"activation\":\"tanh\"},\"memory\":{\"cell\":\"lstm\",\"hidden\":999999,\"layers\":1,\"critic_memory\":false},\"action\":{\"kind\":\"discrete\",\"sizes\":[3]}}", "larger than 65536")]
    public void Load_BadAgentConfig_FailsNamingTheField(string json, string expected)
    {
        Dictionary<string, Tensor> t = Tensors("ours_mlp_rnn_discrete", out _);
        string message = LoadFails(Write(t, new Dictionary<string, string> { ["agent.config"] = json })).Message;
        Assert.Contains("agent.config", message);
        Assert.Contains(expected, message);
    }

    [Fact]
    public void Load_IntegerWeights_FailsNamingTheDType()
    {
        string header = "{\"__metadata__\":{\"agent.config\":\"{\\\"format\\\":1,\\\"encoder\\\":{\\\"kind\\\":\\\"mlp\\\",\\\"inputs\\\":1,\\\"layers\\\":[],\\\"activation\\\":\\\"tanh\\\"},"
            + "\\\"memory\\\":{\\\"cell\\\":\\\"rnn\\\",\\\"hidden\\\":1,\\\"layers\\\":1,\\\"critic_memory\\\":false},\\\"action\\\":{\\\"kind\\\":\\\"discrete\\\",\\\"sizes\\\":[1]}}\"},"
            + "\"memory.weight_ih_l0\":{\"dtype\":\"I32\",\"shape\":[1,1],\"data_offsets\":[0,4]},"
            + "\"memory.weight_hh_l0\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[4,8]},\"memory.bias_ih_l0\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]},"
            + "\"memory.bias_hh_l0\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]},\"actor.weight\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[16,20]},"
            + "\"actor.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[20,24]},\"critic.weight\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[24,28]},"
            + "\"critic.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[28,32]}}";
        string path = _dir.File("i.safetensors");
        File.WriteAllBytes(path, SafeTensorsBytes.Build(header, new byte[32]));
        Assert.Contains("tensor 'memory.weight_ih_l0' has dtype I32", LoadFails(path).Message);
    }

    [Fact]
    public void Load_TruncatedModel_FailsWithTheReadersLine()
    {
        byte[] bytes = File.ReadAllBytes(ModelFixture.Path("ours_mlp_rnn_discrete.safetensors"));
        string path = _dir.File("t.safetensors");
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length - 5).ToArray());
        var e = Assert.Throws<SafeTensorsException>(() => PolicyModel.Load(path));
        Assert.Contains("fall outside", e.Message);
    }
}
