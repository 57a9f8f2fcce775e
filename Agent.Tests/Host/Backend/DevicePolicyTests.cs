using AgentRnn.Core;
using AgentRnn.Core.Compute;
using AgentRnn.Core.Compute.Cpu;
using AgentRnn.Host.Accelerated;
using AgentRnn.Host.Models;
using AgentRnn.Memory;
using AgentRnn.Tests.Compute;
using AgentRnn.Tests.Host.Models;
using Xunit.Abstractions;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Tests.Host.Backend;

/// <summary>
/// <see cref="DevicePolicy"/> against the CPU <see cref="PolicyModel"/> on the models' golden fixtures, on the CPU
/// device and on ILGPU's CPU accelerator: logits, probabilities, values, greedy actions (or the Gaussian's mean and std) and final state,
/// tolerance 1e-4. The streams sit in reversed slots so the slot mapping is exercised.
/// </summary>
public sealed class DevicePolicyTests(IlgpuDeviceFixture fixture, ITestOutputHelper output) : IClassFixture<IlgpuDeviceFixture>
{
    private const float Tolerance = 1e-4f;

    [Theory]
    [InlineData("cleanrl")]
    [InlineData("sb3")]
    [InlineData("ours_mlp_gru_gaussian")]
    [InlineData("ours_mlp_lstm_multidiscrete")]
    public void Step_GoldenFixture_FillsTheSameOutputsAsPolicyModel(string name)
    {
        var golden = new ModelFixture(name);
        PolicyModel model = PolicyModel.Load(golden.ModelPath);
        int batch = golden.Batch, size = model.StateSize;
        using var cpu = new CpuDevice();
        foreach (ComputeDevice device in new ComputeDevice[] { cpu, fixture.Device })
        {
            PolicyOutputs expected = model.CreateOutputs(batch);
            PolicyOutputs actual = model.CreateOutputs(batch);
            float[] state = golden.InitialState(model);
            using var policy = new DevicePolicy(model, device, capacity: batch + 1);
            // Stream b lives in slot batch − b: reversed, and slot 0 stays unused.
            int[] slots = [.. Enumerable.Range(0, batch).Select(b => batch - b)];
            for (int b = 0; b < batch; b++)
            {
                policy.WriteState(slots[b], state.AsSpan(b * size, size));
            }
            float worst = 0;
            for (int t = 0; t < golden.Steps; t++)
            {
                ReadOnlySpan<float> starts = golden.Row("episode_starts", t);
                if (golden.HasFrames)
                {
                    model.Step(golden.Frames(t), state, starts, expected, batch);
                    policy.Step(golden.Frames(t), slots, starts, actual, batch);
                }
                else
                {
                    model.Step(golden.Observations(t), state, starts, expected, batch);
                    policy.Step(golden.Observations(t), slots, starts, actual, batch);
                }
                Assert.Equal(batch, actual.Batch);
                worst = Math.Max(worst, MaxError(expected.Logits, actual.Logits));
                worst = Math.Max(worst, MaxError(expected.Probabilities, actual.Probabilities));
                worst = Math.Max(worst, MaxError(expected.Values, actual.Values));
                worst = Math.Max(worst, MaxError(expected.ContinuousActions, actual.ContinuousActions));
                Assert.Equal(expected.Actions, actual.Actions);
            }
            var deviceState = new float[size];
            for (int b = 0; b < batch; b++)
            {
                policy.ReadState(slots[b], deviceState);
                worst = Math.Max(worst, MaxError(state.AsSpan(b * size, size), deviceState));
            }
            output.WriteLine($"{name} on {device.Kind}: worst |error| {worst:E2} over {golden.Steps} steps × {batch} streams (tolerance {Tolerance:E0})");
            Assert.True(worst <= Tolerance, $"{name} on {device.Kind}: worst |error| {worst:E3}");
        }
    }

    [Fact]
    public void Open_RnnCore_RefusedInOneLineBeforeTheDeviceOpens()
    {
        PolicyModel model = PolicyModel.Load(ModelFixture.Path("ours_mlp_rnn_discrete.safetensors"));
        Assert.False(model.RunsOnDevice());
        // Device 1000 does not exist: reaching it would be a different error.
        var e = Assert.Throws<AgentException>(() => DevicePolicy.Open(model, ComputeBackendKind.IlgpuCpu, device: 1000, capacity: 1));
        output.WriteLine(e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("a vanilla RNN core", e.Message);
        Assert.Contains("--backend cpu", e.Message);
    }

    [Fact]
    public void ToNetworkSpec_ImpalaEncoder_RefusedInOneLine()
    {
        var config = ModelConfig.ForFrames(PreprocessConfig.Atari(1), ActionSpec.Discrete(3), EncoderKind.Impala, CellKind.Gru, hiddenSize: 8);
        PolicyModel model = PolicyModel.CreateRandom(config, seed: 1);
        var e = Assert.Throws<AgentException>(() => model.ToNetworkSpec());
        output.WriteLine(e.Message);
        Assert.Contains("an IMPALA encoder", e.Message);
        Assert.Contains("NatureCNN or MLP encoders with LSTM or GRU cores", e.Message);
    }

    [Fact]
    public void Step_MlpOverFrames_ScalesFramesLikePolicyModel()
    {
        // An MLP encoder over two stacked 6×5 gray frames, flattened: no convolution on the device applies the scale,
        // the policy does.
        var config = ModelConfig.ForVectors(2 * 6 * 5, ActionSpec.Discrete(3), layers: [16], hiddenSize: 8) with
        {
            Preprocess = new PreprocessConfig(6, 5, true, 2, 1f / 128f),
        };
        PolicyModel model = PolicyModel.CreateRandom(config, seed: 2);
        var frames = new byte[2 * model.InputSize];
        new Random(3).NextBytes(frames);
        PolicyOutputs expected = model.CreateOutputs(2);
        PolicyOutputs actual = model.CreateOutputs(2);
        var state = new float[2 * model.StateSize];
        using var cpu = new CpuDevice();
        using var policy = new DevicePolicy(model, cpu, capacity: 2);
        model.Step(frames, state, [1f, 1f], expected, 2);
        policy.Step(frames, [0, 1], [1f, 1f], actual, 2);
        float worst = Math.Max(MaxError(expected.Logits, actual.Logits), MaxError(expected.Values, actual.Values));
        output.WriteLine($"MLP over frames: worst |error| {worst:E2} (tolerance {Tolerance:E0})");
        Assert.True(worst <= Tolerance);
    }

    private static float MaxError(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        }
        return worst;
    }
}
