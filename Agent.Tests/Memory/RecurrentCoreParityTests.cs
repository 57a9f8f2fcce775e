using AgentRnn.Core;
using AgentRnn.Memory;
using Xunit.Abstractions;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Tests.Memory;

/// <summary>Fused cores against PyTorch's nn.LSTM / nn.GRU / nn.RNN (fixtures from tools/reference/fixtures_memory.py).</summary>
public class RecurrentCoreParityTests(ITestOutputHelper output)
{
    public static TheoryData<string> SequenceFixtures => new() { "lstm_l1", "lstm_l2", "gru_l1", "gru_l2", "rnn_l1", "rnn_l2" };

    [Theory]
    [MemberData(nameof(SequenceFixtures))]
    public void Sequence_WithEpisodeStarts_MatchesPyTorch(string name)
    {
        MemoryFixture f = MemoryFixture.Load(name);
        RecurrentCore core = f.Core();
        int steps = f.Int("steps");
        int batch = f.Int("batch");
        bool lstm = core.Kind == CellKind.Lstm;
        var state = new float[batch * core.StateSize];
        core.CopyStateFromLayers(f["h0"].Span, lstm ? f["c0"].Span : [], state, batch);
        var y = new float[steps * batch * core.HiddenSize];

        core.Sequence(f["x"].Span, f["episode_starts"].Span, state, y, steps, batch);

        var h = new float[core.Layers * batch * core.HiddenSize];
        var c = new float[lstm ? h.Length : 0];
        core.CopyStateToLayers(state, h, c, batch);
        float outErr = MemoryFixture.MaxAbsDiff(y, f["output"].Span);
        float hErr = MemoryFixture.MaxAbsDiff(h, f["h_n"].Span);
        float cErr = lstm ? MemoryFixture.MaxAbsDiff(c, f["c_n"].Span) : 0f;
        output.WriteLine($"{name}: max abs error output {outErr:E2}, h_n {hErr:E2}, c_n {cErr:E2} (tolerance {MemoryFixture.Tolerance:E0})");
        Assert.InRange(outErr, 0f, MemoryFixture.Tolerance);
        Assert.InRange(hErr, 0f, MemoryFixture.Tolerance);
        Assert.InRange(cErr, 0f, MemoryFixture.Tolerance);
    }

    [Theory]
    [MemberData(nameof(SequenceFixtures))]
    public void Step_FirstFrame_MatchesPyTorchWhereNoStreamResets(string name)
    {
        MemoryFixture f = MemoryFixture.Load(name);
        RecurrentCore core = f.Core();
        int batch = f.Int("batch");
        int hidden = core.HiddenSize;
        bool lstm = core.Kind == CellKind.Lstm;
        var state = new float[batch * core.StateSize];
        core.CopyStateFromLayers(f["h0"].Span, lstm ? f["c0"].Span : [], state, batch);
        var y = new float[batch * hidden];

        core.Step(f["x"].Span.Slice(0, batch * core.InputSize), state, y, batch);

        float worst = 0f;
        int compared = 0;
        for (int b = 0; b < batch; b++)
        {
            if (f["episode_starts"].Data[b] == 0f)
            {
                worst = MathF.Max(worst, MemoryFixture.MaxAbsDiff(y.AsSpan(b * hidden, hidden), f["output"].Span.Slice(b * hidden, hidden)));
                compared++;
            }
        }
        output.WriteLine($"{name}: step 0 over {compared} streams, max abs error {worst:E2} (tolerance {MemoryFixture.Tolerance:E0})");
        Assert.True(compared > 0);
        Assert.InRange(worst, 0f, MemoryFixture.Tolerance);
    }

    [Fact]
    public void Step_Lstm512x256Batch2_MatchesPyTorch()
    {
        MemoryFixture f = MemoryFixture.Load("lstm_512x256_step");
        int input = f.Int("input_size");
        int hidden = f.Int("hidden_size");
        int batch = f.Int("batch");
        float bound = float.Parse(f.Metadata["bound"], System.Globalization.CultureInfo.InvariantCulture);
        var parameters = new Dictionary<string, Tensor>
        {
            ["weight_ih_l0"] = new(MemoryFixture.SplitMixUniform(ulong.Parse(f.Metadata["seed.weight_ih_l0"]), 4 * hidden * input, bound), 4 * hidden, input),
            ["weight_hh_l0"] = new(MemoryFixture.SplitMixUniform(ulong.Parse(f.Metadata["seed.weight_hh_l0"]), 4 * hidden * hidden, bound), 4 * hidden, hidden),
            ["bias_ih_l0"] = new(MemoryFixture.SplitMixUniform(ulong.Parse(f.Metadata["seed.bias_ih_l0"]), 4 * hidden, bound), 4 * hidden),
            ["bias_hh_l0"] = new(MemoryFixture.SplitMixUniform(ulong.Parse(f.Metadata["seed.bias_hh_l0"]), 4 * hidden, bound), 4 * hidden),
        };
        foreach ((string name, Tensor t) in parameters)
        {
            Assert.Equal(f[name + ".head"].Data, t.Data.AsSpan(0, 8).ToArray());
        }
        RecurrentCore core = RecurrentCore.Create(CellKind.Lstm, input, hidden, 1, n => parameters[n]);
        var state = new float[batch * core.StateSize];
        core.CopyStateFromLayers(f["h0"].Span, f["c0"].Span, state, batch);
        var y = new float[batch * hidden];

        core.Step(f["x"].Span, state, y, batch);

        var h = new float[batch * hidden];
        var c = new float[batch * hidden];
        core.CopyStateToLayers(state, h, c, batch);
        float outErr = MemoryFixture.MaxAbsDiff(y, f["output"].Span);
        float hErr = MemoryFixture.MaxAbsDiff(h, f["h_n"].Span);
        float cErr = MemoryFixture.MaxAbsDiff(c, f["c_n"].Span);
        output.WriteLine($"LSTM 512→256 batch 2: max abs error output {outErr:E2}, h_n {hErr:E2}, c_n {cErr:E2} (tolerance {MemoryFixture.Tolerance:E0})");
        Assert.InRange(outErr, 0f, MemoryFixture.Tolerance);
        Assert.InRange(hErr, 0f, MemoryFixture.Tolerance);
        Assert.InRange(cErr, 0f, MemoryFixture.Tolerance);
    }
}
