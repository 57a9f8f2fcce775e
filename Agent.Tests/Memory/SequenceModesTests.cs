using AgentRnn.Core;
using AgentRnn.Core.Kernels;
using AgentRnn.Memory;
using Xunit.Abstractions;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Tests.Memory;

public class SequenceModesTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("lstm_l2")]
    [InlineData("gru_l1")]
    public void ManyToOne_WithResets_EqualsPyTorchsLastFrame(string name)
    {
        MemoryFixture f = MemoryFixture.Load(name);
        RecurrentCore core = f.Core();
        int steps = f.Int("steps");
        int batch = f.Int("batch");
        int hidden = core.HiddenSize;
        var state = InitialState(f, core, batch);
        var last = new float[batch * hidden];

        SequenceModes.ManyToOne(core, f["x"].Span, f["episode_starts"].Span, state, last, steps, batch);

        float worst = MemoryFixture.MaxAbsDiff(last, f["output"].Span.Slice((steps - 1) * batch * hidden, batch * hidden));
        output.WriteLine($"{name} many-to-one: max abs error {worst:E2} (tolerance {MemoryFixture.Tolerance:E0})");
        Assert.InRange(worst, 0f, MemoryFixture.Tolerance);
    }

    [Theory]
    [InlineData("lstm_l1")]
    [InlineData("rnn_l2")]
    public void ManyToMany_WithResets_LabelsEveryFrameAsPyTorch(string name)
    {
        MemoryFixture f = MemoryFixture.Load(name);
        RecurrentCore core = f.Core();
        int steps = f.Int("steps");
        int batch = f.Int("batch");
        var state = InitialState(f, core, batch);
        var y = new float[steps * batch * core.HiddenSize];

        SequenceModes.ManyToMany(core, f["x"].Span, f["episode_starts"].Span, state, y, steps, batch);

        float worst = MemoryFixture.MaxAbsDiff(y, f["output"].Span);
        output.WriteLine($"{name} many-to-many: max abs error {worst:E2} over {steps} frames (tolerance {MemoryFixture.Tolerance:E0})");
        Assert.InRange(worst, 0f, MemoryFixture.Tolerance);
    }

    [Fact]
    public void OneToMany_TanhLinearReadout_GeneratesAsPyTorch()
    {
        MemoryFixture f = MemoryFixture.Load("lstm_generate");
        RecurrentCore core = f.Core();
        int steps = f.Int("steps");
        int batch = f.Int("batch");
        var readout = new Linear(f["readout.weight"].Span, f["readout.bias"].Span, core.InputSize, core.HiddenSize);
        var state = new float[batch * core.StateSize];
        var y = new float[steps * batch * core.HiddenSize];
        int calls = 0;

        SequenceModes.OneToMany(core, f["x0"].Span, state, y, steps, batch, (o, next, n) =>
        {
            readout.Forward(o, next, n, Activation.Tanh);
            calls++;
        });

        var h = new float[batch * core.HiddenSize];
        var c = new float[h.Length];
        core.CopyStateToLayers(state, h, c, batch);
        float worst = MathF.Max(MemoryFixture.MaxAbsDiff(y, f["output"].Span),
            MathF.Max(MemoryFixture.MaxAbsDiff(h, f["h_n"].Span), MemoryFixture.MaxAbsDiff(c, f["c_n"].Span)));
        output.WriteLine($"one-to-many over {steps} steps: max abs error {worst:E2} (tolerance {MemoryFixture.Tolerance:E0})");
        Assert.Equal(steps - 1, calls);
        Assert.InRange(worst, 0f, MemoryFixture.Tolerance);
    }

    [Fact]
    public void ManyToOne_ZeroSteps_Throws()
    {
        MemoryFixture f = MemoryFixture.Load("rnn_l1");
        RecurrentCore core = f.Core();

        Assert.Throws<ArgumentOutOfRangeException>(() => SequenceModes.ManyToOne(core, [], [], new float[core.StateSize], new float[core.HiddenSize], 0, 1));
    }

    [Fact]
    public void Sequence_ShortEpisodeStarts_ThrowsNamingSizes()
    {
        MemoryFixture f = MemoryFixture.Load("rnn_l1");
        RecurrentCore core = f.Core();

        var e = Assert.Throws<ArgumentException>(() =>
            core.Sequence(new float[2 * 7], new float[1], new float[core.StateSize], new float[2 * 5], 2, 1));

        Assert.Contains("episodeStarts 1 (needs 0 or 2)", e.Message);
    }

    private static float[] InitialState(MemoryFixture f, RecurrentCore core, int batch)
    {
        var state = new float[batch * core.StateSize];
        core.CopyStateFromLayers(f["h0"].Span, core.Kind == CellKind.Lstm ? f["c0"].Span : [], state, batch);
        return state;
    }
}
