using System.Text.Json;
using AgentRnn.Core.Kernels;
using AgentRnn.Core.SafeTensors;
using AgentRnn.Host.Models;
using AgentRnn.Host.Training;
using AgentRnn.Core.Recurrent;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Training;

/// <summary>
/// The training network's forward and backward passes against PyTorch autograd (tools/reference/fixtures_grad.py,
/// float64 reference): every gradient tensor within 1e-4 relative to that tensor's largest magnitude.
/// </summary>
public class GradientFixtureTests(ITestOutputHelper output)
{
    private const float RelativeTolerance = 1e-4f;

    internal static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "grad", name + ".safetensors");

    internal static ModelConfig ConfigFrom(string json)
    {
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement c = doc.RootElement;
        JsonElement a = c.GetProperty("action");
        int[] sizes = a.GetProperty("sizes").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        ActionSpec action = a.GetProperty("kind").GetString() switch
        {
            "box" => ActionSpec.Box(sizes[0]),
            "multi_discrete" => ActionSpec.MultiDiscrete(sizes),
            _ => ActionSpec.Discrete(sizes[0]),
        };
        CellKind cell = c.GetProperty("cell").GetString() switch { "lstm" => CellKind.Lstm, "gru" => CellKind.Gru, _ => CellKind.Rnn };
        int hidden = c.GetProperty("hidden_size").GetInt32();
        int layers = c.GetProperty("layers").GetInt32();
        int channels = c.GetProperty("channels").GetInt32();
        if (c.GetProperty("encoder").GetString() == "nature_cnn")
        {
            int h = c.GetProperty("height").GetInt32();
            return ModelConfig.ForFrames(new PreprocessConfig(h, c.GetProperty("width").GetInt32(), true, channels, PreprocessConfig.DefaultScale), action, cell: cell, hiddenSize: hidden)
                with { FeatureSize = c.GetProperty("feature_size").GetInt32(), Layers = layers };
        }
        int[] mlp = c.GetProperty("mlp_layers").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Activation act = c.GetProperty("mlp_activation").GetString() == "relu" ? Activation.ReLU : Activation.Tanh;
        return ModelConfig.ForVectors(channels, action, mlp, cell, hidden) with { Layers = layers, MlpActivation = act };
    }

    [Theory]
    [InlineData("cnn_lstm_discrete")]
    [InlineData("mlp_gru_multidiscrete")]
    [InlineData("mlp_rnn_box")]
    [InlineData("mlp_lstm_l2_discrete")]
    public void ForwardAndBackward_MatchPyTorchAutograd(string name)
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(Fixture(name));
        ModelConfig config = ConfigFrom(file.Metadata["config"]);
        int steps = int.Parse(file.Metadata["steps"]), batch = int.Parse(file.Metadata["batch"]);
        int n = steps * batch;
        var network = new TrainingNetwork(config, seed: 0);
        foreach (TrainParameter p in network.Parameters)
        {
            file.ReadTensor(p.Name, p.Data);
        }
        float[] obs = file.ReadTensor("obs").Data;
        float[] starts = file.ReadTensor("starts").Data;
        float[] state = file.ReadTensor("state0").Data;
        float[] actions = file.ReadTensor("actions").Data;
        float[] wLogp = file.ReadTensor("w_logp").Data;
        float wEnt = file.ReadTensor("w_ent").Data[0];
        float[] wValue = file.ReadTensor("w_value").Data;
        Assert.Equal(batch * network.StateSize, state.Length);
        if (config.Encoder == EncoderKind.NatureCnn)
        {
            network.Forward(obs.Select(v => (byte)v).ToArray(), steps, batch, starts, state);
        }
        else
        {
            network.Forward(obs, steps, batch, starts, state);
        }
        int width = config.Action.Width, dims = config.Action.ActionDimensions;
        var logp = new float[n];
        var entropy = new float[n];
        var dLogits = new float[n * width];
        network.ZeroGrad();
        float[] logStdGrad = config.Action.Kind == ActionKind.Box ? network["actor.log_std"].Grad : [];
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> row = network.Logits.Slice(i * width, width);
            ReadOnlySpan<float> action = actions.AsSpan(i * dims, dims);
            (logp[i], entropy[i]) = HeadMath.Evaluate(config.Action, row, network.LogStd, action);
            HeadMath.Backward(config.Action, row, network.LogStd, action, wLogp[i], wEnt, dLogits.AsSpan(i * width, width), logStdGrad);
        }
        Check("logits", network.Logits.ToArray(), file.ReadTensor("logits").Data);
        Check("values", network.Values.ToArray(), file.ReadTensor("values").Data);
        Check("logp", logp, file.ReadTensor("logp").Data);
        Check("entropy", entropy, file.ReadTensor("entropy").Data);
        network.Backward(dLogits, wValue);
        foreach (TrainParameter p in network.Parameters)
        {
            Check("grad." + p.Name, p.Grad, file.ReadTensor("grad." + p.Name).Data);
        }
    }

    [Fact]
    public void Adam_WithClipping_MatchesTorchOptim()
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(Fixture("adam"));
        var a = new TrainParameter("a", [4, 3]);
        var b = new TrainParameter("b", [5]);
        file.ReadTensor("a0", a.Data);
        file.ReadTensor("b0", b.Data);
        var adam = new Adam([a, b], learningRate: 0.01f, epsilon: 1e-5f);
        for (int step = 0; step < 3; step++)
        {
            file.ReadTensor($"ga{step}", a.Grad);
            file.ReadTensor($"gb{step}", b.Grad);
            float norm = Adam.ClipGlobalNorm([a, b], 0.5f);
            Check($"norm{step}", [norm], file.ReadTensor($"norm{step}").Data);
            adam.Step();
            Check($"a{step + 1}", a.Data, file.ReadTensor($"a{step + 1}").Data);
            Check($"b{step + 1}", b.Data, file.ReadTensor($"b{step + 1}").Data);
        }
    }

    private void Check(string what, float[] actual, float[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        float scale = expected.Max(MathF.Abs), worst = 0f;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = MathF.Max(worst, MathF.Abs(actual[i] - expected[i]));
        }
        float relative = worst / MathF.Max(scale, 1e-12f);
        output.WriteLine($"{what}: max |C# − torch| {worst:E2}, relative to max |torch| {scale:E2}: {relative:E2} (tolerance {RelativeTolerance:E0})");
        Assert.True(relative <= RelativeTolerance, $"{what}: relative error {relative:E2} > {RelativeTolerance:E0}");
    }
}
