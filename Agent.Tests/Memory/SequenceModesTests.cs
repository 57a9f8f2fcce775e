using AgentRnn.Core;
using AgentRnn.Core.Kernels;
using Xunit.Abstractions;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Tests.Memory;

/// <summary>
/// The seeds' sequence modes over a bare <see cref="RecurrentCore"/> against PyTorch: many-to-one (the last output of
/// <see cref="RecurrentCore.Sequence"/>), synced many-to-many (every output) and one-to-many generation (each output
/// fed back through a readout). The policy-level modes are PolicyStreams' (Agent.Tests/Host/Network/PolicyStreamsTests).
/// </summary>
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
        var y = new float[steps * batch * hidden];

        core.Sequence(f["x"].Span, f["episode_starts"].Span, state, y, steps, batch);
        float[] last = y.AsSpan((steps - 1) * batch * hidden).ToArray();

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

        core.Sequence(f["x"].Span, f["episode_starts"].Span, state, y, steps, batch);

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

        OneToMany(core, f["x0"].Span, state, y, steps, batch, (o, next, n) =>
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
    public void Sequence_ShortEpisodeStarts_ThrowsNamingSizes()
    {
        MemoryFixture f = MemoryFixture.Load("rnn_l1");
        RecurrentCore core = f.Core();

        var e = Assert.Throws<ArgumentException>(() =>
            core.Sequence(new float[2 * 7], new float[1], new float[core.StateSize], new float[2 * 5], 2, 1));

        Assert.Contains("episodeStarts 1 (needs 0 or 2)", e.Message);
    }

    // Steps on first, then feeds every output back through readout (steps − 1 times) as the next input.
    private static void OneToMany(RecurrentCore core, ReadOnlySpan<float> first, Span<float> state, Span<float> output, int steps, int batch,
        Action<float[], float[], int> readout)
    {
        var input = first[..(batch * core.InputSize)].ToArray();
        var y = new float[batch * core.HiddenSize];
        for (int t = 0; t < steps; t++)
        {
            core.Step(input, state, y, batch);
            y.CopyTo(output.Slice(t * y.Length, y.Length));
            if (t + 1 < steps)
            {
                readout(y, input, batch);
            }
        }
    }

    private static float[] InitialState(MemoryFixture f, RecurrentCore core, int batch)
    {
        var state = new float[batch * core.StateSize];
        core.CopyStateFromLayers(f["h0"].Span, core.Kind == CellKind.Lstm ? f["c0"].Span : [], state, batch);
        return state;
    }
}
