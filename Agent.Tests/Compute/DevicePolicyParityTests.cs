using AgentRnn.Core.Compute;
using AgentRnn.Core.Compute.Cpu;
using AgentRnn.Core.Compute.Network;
using AgentRnn.Host.Accelerated;
using AgentRnn.Host.Models;
using AgentRnn.Tests.Host.Models;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Compute;

/// <summary>
/// The models' golden fixtures (tools/reference/fixtures_models.py) through <see cref="DevicePolicyNetwork"/> on each
/// backend: within 1e-4 of the CPU <see cref="PolicyModel"/> (logits, values, final state) and of the PyTorch twin.
/// </summary>
public sealed class DevicePolicyParityTests(IlgpuDeviceFixture fixture, ITestOutputHelper output) : IClassFixture<IlgpuDeviceFixture>
{
    private const double Tolerance = 1e-4;

    [Theory]
    [InlineData("cleanrl")]
    [InlineData("sb3")]
    [InlineData("ours_mlp_gru_gaussian")]
    [InlineData("ours_mlp_lstm_multidiscrete")]
    public void DevicePolicyNetwork_GoldenFixture_MatchesPolicyModelAndPyTorch(string name)
    {
        var golden = new ModelFixture(name);
        PolicyModel model = PolicyModel.Load(golden.ModelPath);
        int steps = golden.Steps, batch = golden.Batch, width = model.ActionCount;
        PolicyOutputs modelOutputs = model.CreateOutputs(batch);
        float[] modelState = golden.InitialState(model);
        var reference = new float[steps * batch * (width + 1)];
        for (int t = 0; t < steps; t++)
        {
            if (golden.HasFrames)
            {
                model.Step(golden.Frames(t), modelState, golden.Row("episode_starts", t), modelOutputs, batch);
            }
            else
            {
                model.Step(golden.Observations(t), modelState, golden.Row("episode_starts", t), modelOutputs, batch);
            }
            for (int b = 0; b < batch; b++)
            {
                int row = (t * batch + b) * (width + 1);
                modelOutputs.Logits.AsSpan(b * width, width).CopyTo(reference.AsSpan(row));
                reference[row + width] = modelOutputs.Values[b];
            }
        }
        using var cpu = new CpuDevice();
        foreach (ComputeDevice device in new ComputeDevice[] { cpu, fixture.Device })
        {
            using var network = new DevicePolicyNetwork(device, model.ToNetworkSpec(), batch);
            Assert.Equal(width + 1, network.OutputSize);
            Assert.Equal(model.StateSize, network.StateSize);
            float[] initial = golden.InitialState(model);
            for (int b = 0; b < batch; b++)
            {
                network.WriteState(b, initial.AsSpan(b * model.StateSize, model.StateSize));
            }
            var actual = new float[reference.Length];
            for (int t = 0; t < steps; t++)
            {
                Span<float> rows = actual.AsSpan(t * batch * (width + 1));
                if (golden.HasFrames)
                {
                    network.Step(golden.Frames(t), golden.Row("episode_starts", t), rows, batch);
                }
                else
                {
                    network.Step(golden.Observations(t), golden.Row("episode_starts", t), rows, batch);
                }
            }
            var state = new float[batch * model.StateSize];
            for (int b = 0; b < batch; b++)
            {
                network.ReadState(b, state.AsSpan(b * model.StateSize, model.StateSize));
            }
            Check($"{name} {device.Kind}: outputs vs PolicyModel", reference, actual, Tolerance);
            Check($"{name} {device.Kind}: final state vs PolicyModel", modelState, state, Tolerance);
            Check($"{name} {device.Kind}: logits vs PyTorch", Column(golden, "logits", width, steps, batch), Column(actual, 0, width, width + 1), Tolerance);
            Check($"{name} {device.Kind}: values vs PyTorch", golden["values"].Data, Column(actual, width, 1, width + 1), Tolerance);
            Check($"{name} {device.Kind}: final state vs PyTorch", golden.FinalState(model), state, Tolerance);
        }
    }

    [Fact]
    public void DevicePolicyNetwork_ImpalaOrRnnModel_IsRefusedWithOneLine()
    {
        PolicyModel model = PolicyModel.Load(new ModelFixture("ours_mlp_rnn_discrete").ModelPath);
        var e = Assert.Throws<AgentRnn.Core.AgentException>(() => model.ToNetworkSpec());
        Assert.Contains("LSTM or GRU", e.Message);
    }

    private static float[] Column(ModelFixture golden, string name, int width, int steps, int batch)
    {
        Assert.Equal(steps * batch * width, golden[name].Length);
        return golden[name].Data;
    }

    /// <summary>Columns [start, start + count) of every row of a (rows, stride) matrix.</summary>
    private static float[] Column(float[] rows, int start, int count, int stride) =>
        [.. Enumerable.Range(0, rows.Length / stride).SelectMany(r => rows.AsSpan(r * stride + start, count).ToArray())];

    private void Check(string what, float[] expected, float[] actual, double tolerance)
    {
        double worst = ComputeReference.MaxError(expected, actual);
        output.WriteLine($"{what}: worst |error| {worst:E2} (tolerance {tolerance:E0})");
        Assert.True(worst <= tolerance, $"{what}: worst |error| {worst:E3} > {tolerance:E0}");
    }
}
