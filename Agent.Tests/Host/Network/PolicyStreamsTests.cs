using AgentRnn.Core.Recurrent;
using AgentRnn.Host.Models;
using AgentRnn.Host.Network;
using AgentRnn.Memory;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Network;

/// <summary>
/// The one store over the network's slots: stepping by stream id equals stepping with caller-held state; the sequence
/// modes (synced many-to-many, many-to-one over a clip, one-to-many generation) agree with plain steps; add, remove,
/// reset, snapshot and restore act on the slots themselves.
/// </summary>
public class PolicyStreamsTests(ITestOutputHelper output)
{
    // Same batch composition on both sides runs the same arithmetic; the clip's encoder sees a bigger batch (float rounding).
    private const float Exact = 1e-6f;
    private const float Rounding = 1e-5f;

    private static PolicyModel FrameModel(int seed) => PolicyModel.CreateRandom(
        ModelConfig.ForFrames(new PreprocessConfig(36, 36, true, 2, PreprocessConfig.DefaultScale), ActionSpec.Discrete(5), hiddenSize: 16), seed);

    private static PolicyModel VectorModel(int seed) => PolicyModel.CreateRandom(
        ModelConfig.ForVectors(4, ActionSpec.Discrete(4), [8], CellKind.Gru, hiddenSize: 6), seed);

    [Fact]
    public void Step_ByStreamId_EqualsCallerHeldState()
    {
        PolicyModel model = FrameModel(3);
        using var streams = new PolicyStreams(model.CreateCpuNetwork(), ownsNetwork: true);
        long[][] schedule = [[100, -7, 42], [42, 100], [-7], [100, -7, 42], [42]];
        var states = new Dictionary<long, float[]>();
        PolicyOutputs actual = streams.CreateOutputs(3);
        PolicyOutputs expected = model.CreateOutputs(3);
        var random = new Random(1);
        float worst = 0;
        foreach (long[] ids in schedule)
        {
            int batch = ids.Length;
            var frames = new byte[batch * model.InputSize];
            random.NextBytes(frames);
            var starts = ids.Select(id => states.ContainsKey(id) ? 0f : 1f).ToArray();
            var state = new float[batch * model.StateSize];
            for (int b = 0; b < batch; b++)
            {
                states.TryAdd(ids[b], new float[model.StateSize]);
                states[ids[b]].CopyTo(state, b * model.StateSize);
            }

            streams.Step(frames, ids, starts, actual, batch);
            model.Step(frames, state, starts, expected, batch);

            for (int b = 0; b < batch; b++)
            {
                state.AsSpan(b * model.StateSize, model.StateSize).CopyTo(states[ids[b]]);
            }
            worst = MathF.Max(worst, MaxAbsDiff(expected.Probabilities.AsSpan(0, batch * 5), actual.Probabilities.AsSpan(0, batch * 5)));
            worst = MathF.Max(worst, MaxAbsDiff(expected.Values.AsSpan(0, batch), actual.Values.AsSpan(0, batch)));
        }
        output.WriteLine($"by stream id vs caller-held state: max abs diff {worst:E2} (tolerance {Exact:E0})");
        Assert.InRange(worst, 0f, Exact);
        Assert.Equal(3, streams.Store.Count);
        foreach ((long id, float[] state) in states)
        {
            var held = new float[model.StateSize];
            streams.Store.CopyState(id, held);
            Assert.InRange(MaxAbsDiff(state, held), 0f, Exact);
        }
    }

    [Fact]
    public void StepSequence_ManyToOne_LastRowEqualsFrameByFrameSteps()
    {
        PolicyModel model = FrameModel(4);
        using var streams = new PolicyStreams(model.CreateCpuNetwork(), ownsNetwork: true);
        const int steps = 6;
        var frames = new byte[steps * model.InputSize];
        new Random(2).NextBytes(frames);
        float[] starts = [1f, 0f, 0f, 1f, 0f, 0f];
        PolicyOutputs clip = streams.CreateOutputs(steps);
        PolicyOutputs one = streams.CreateOutputs(1);

        streams.StepSequence(frames, 5, starts, clip, steps);
        for (int t = 0; t < steps; t++)
        {
            streams.Step(frames.AsSpan(t * model.InputSize, model.InputSize), [9], starts.AsSpan(t, 1), one, 1);
        }

        float worst = MaxAbsDiff(clip.Probabilities.AsSpan((steps - 1) * 5, 5), one.Probabilities.AsSpan(0, 5));
        worst = MathF.Max(worst, MathF.Abs(clip.Values[steps - 1] - one.Values[0]));
        var a = new float[model.StateSize];
        var b = new float[model.StateSize];
        streams.Store.CopyState(5, a);
        streams.Store.CopyState(9, b);
        worst = MathF.Max(worst, MaxAbsDiff(a, b));
        output.WriteLine($"many-to-one clip vs {steps} steps: max abs diff {worst:E2} (tolerance {Rounding:E0})");
        Assert.InRange(worst, 0f, Rounding);
    }

    [Fact]
    public void Generate_OneToMany_FeedsEachOutputBackAsTheNextInput()
    {
        PolicyModel model = VectorModel(5);
        using var streams = new PolicyStreams(model.CreateCpuNetwork(), ownsNetwork: true);
        const int steps = 7;
        float[] first = [0.5f, -1f, 0.25f, 2f];
        var generated = new List<float>();
        int calls = 0;

        streams.Generate(11, first, steps, streams.CreateOutputs(1), (outputs, step, next) =>
        {
            Assert.Equal(calls++, step);
            generated.Add(outputs.Values[0]);
            outputs.Probabilities.AsSpan(0, 4).CopyTo(next);
        });

        // The same loop by hand, with the state held by the caller.
        var state = new float[model.StateSize];
        PolicyOutputs reference = model.CreateOutputs(1);
        float[] input = [.. first];
        float worst = 0;
        for (int t = 0; t < steps; t++)
        {
            model.Step(input, state, default, reference, 1);
            worst = MathF.Max(worst, MathF.Abs(reference.Values[0] - generated[t]));
            input = reference.Probabilities.AsSpan(0, 4).ToArray();
        }
        output.WriteLine($"one-to-many over {steps} steps vs a hand loop: max abs diff {worst:E2} (tolerance {Exact:E0})");
        Assert.Equal(steps, calls);
        Assert.InRange(worst, 0f, Exact);
    }

    [Fact]
    public void Store_SnapshotRestoreResetRemove_ActOnTheNetworkSlots()
    {
        PolicyModel model = FrameModel(6);
        using var streams = new PolicyStreams(model.CreateCpuNetwork(), ownsNetwork: true);
        var random = new Random(3);
        byte[] Frames() { var f = new byte[2 * model.InputSize]; random.NextBytes(f); return f; }
        PolicyOutputs outputs = streams.CreateOutputs(2);
        long[] ids = [1, 2];
        streams.Step(Frames(), ids, [1f, 1f], outputs, 2);
        streams.Step(Frames(), ids, default, outputs, 2);
        byte[] snapshot = streams.Store.Snapshot();
        byte[] later = Frames();
        streams.Step(later, ids, default, outputs, 2);
        float[] afterSnapshot = outputs.Values.AsSpan(0, 2).ToArray();

        // Restoring puts the states back into the slots, so the same frame gives the same values.
        streams.Store.Restore(snapshot);
        streams.Step(later, ids, default, outputs, 2);
        Assert.Equal(afterSnapshot, outputs.Values.AsSpan(0, 2).ToArray());

        // Reset zeroes the slot: the next step equals a fresh stream's first step.
        Assert.True(streams.Store.Reset(1));
        byte[] twin = [.. later.AsSpan(0, model.InputSize), .. later.AsSpan(0, model.InputSize)];
        streams.Step(twin, [1, 77], default, outputs, 2);
        Assert.Equal(outputs.Values[0], outputs.Values[1]);

        // Removing frees the slot; a new stream takes it, zeroed.
        Assert.True(streams.Store.TryGetSlot(2, out int slot));
        Assert.True(streams.Store.Remove(2));
        Assert.True(streams.Store.Add(3));
        Assert.True(streams.Store.TryGetSlot(3, out int reused));
        Assert.Equal(slot, reused);
        var state = new float[model.StateSize];
        streams.Network.ReadSlot(reused, state);
        Assert.All(state, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Step_Warm_AllocatesNothing()
    {
        PolicyModel model = FrameModel(7);
        using var streams = new PolicyStreams(model.CreateCpuNetwork(), ownsNetwork: true);
        var frames = new byte[3 * model.InputSize];
        long[] ids = [4, 8, 15];
        PolicyOutputs outputs = streams.CreateOutputs(3);
        var starts = new float[3];
        streams.Step(frames, ids, [1f, 1f, 1f], outputs, 3);
        streams.Step(frames, ids, starts, outputs, 3);
        long[] windows = SteadyAllocation.Windows(() => streams.Step(frames, ids, starts, outputs, 3), calls: 10);
        output.WriteLine($"bytes allocated per 10-step window: {string.Join(", ", windows)}");
        Assert.Equal(0, windows.Min());
    }

    private static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float worst = 0;
        for (int i = 0; i < a.Length; i++)
        {
            worst = MathF.Max(worst, MathF.Abs(a[i] - b[i]));
        }
        return worst;
    }
}
