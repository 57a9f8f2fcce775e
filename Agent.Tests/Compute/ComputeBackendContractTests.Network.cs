using AgentRnn.Core;
using AgentRnn.Core.Compute.Network;

namespace AgentRnn.Tests.Compute;

public abstract partial class ComputeBackendContractTests
{
    [Fact]
    public void PolicyNetwork_CleanRlShapeSteppedWithResets_MatchesReference()
    {
        const int steps = 4, batch = 3;
        PolicyNetworkSpec spec = PolicyFixtures.CleanRlLike(100);
        using var network = new DevicePolicyNetwork(Device, spec, capacity: 4);
        Assert.Equal(7, network.OutputSize);
        Assert.Equal(48, network.StateSize);
        byte[] frames = new byte[steps * batch * network.ObservationSize];
        new Random(101).NextBytes(frames);
        float[] starts = new float[steps * batch];
        starts[batch + 1] = 1f;
        double[][] state = InitialState(network, batch, 102);
        var actual = new float[steps * batch * network.OutputSize];
        for (int t = 0; t < steps; t++)
        {
            int rows = batch * network.ObservationSize;
            network.Step(frames.AsSpan(t * rows, rows), starts.AsSpan(t * batch, batch), actual.AsSpan(t * batch * network.OutputSize), batch);
        }
        float[] expected = PolicyFixtures.Forward(spec, [.. frames.Select(v => (float)v)], frames: true, starts, state, steps, batch);
        AssertClose(expected, actual, "policy network CleanRL shape, 4 steps × 3 streams");
        AssertState(network, state, "policy network final state");
    }

    [Fact]
    public void PolicyNetwork_SequenceOfOneSlot_MatchesReference()
    {
        const int steps = 5;
        PolicyNetworkSpec spec = PolicyFixtures.CleanRlLike(200);
        using var network = new DevicePolicyNetwork(Device, spec, capacity: 6);
        byte[] frames = new byte[steps * network.ObservationSize];
        new Random(201).NextBytes(frames);
        float[] starts = [0f, 0f, 1f, 0f, 0f];
        double[][] all = InitialState(network, 3, 202);
        var actual = new float[steps * network.OutputSize];
        network.Sequence(frames, starts, actual, steps, slot: 2);
        double[][] slot = [all[2]];
        float[] expected = PolicyFixtures.Forward(spec, [.. frames.Select(v => (float)v)], frames: true, starts, slot, steps, 1);
        AssertClose(expected, actual, "policy network sequence of slot 2");
        AssertState(network, all, "policy network state after sequence (slots 0 and 1 untouched)");
    }

    [Fact]
    public void PolicyNetwork_VectorObservationsTwoBranches_MatchesReference()
    {
        const int steps = 3, batch = 2;
        PolicyNetworkSpec spec = PolicyFixtures.TwoBranchVector(300);
        using var network = new DevicePolicyNetwork(Device, spec, capacity: 2);
        Assert.Equal(4, network.OutputSize);
        Assert.Equal(2 * 8 + 2 * 5, network.StateSize);
        float[] observations = ComputeReference.Random(301, steps * batch * 10);
        float[] starts = [1f, 0f, 0f, 1f, 0f, 0f];
        double[][] state = InitialState(network, batch, 302);
        var actual = new float[steps * batch * network.OutputSize];
        for (int t = 0; t < steps; t++)
        {
            network.Step(observations.AsSpan(t * batch * 10, batch * 10), starts.AsSpan(t * batch, batch), actual.AsSpan(t * batch * 4), batch);
        }
        float[] expected = PolicyFixtures.Forward(spec, observations, frames: false, starts, state, steps, batch);
        AssertClose(expected, actual, "policy network GRU×2 + LSTM critic branch");
        AssertState(network, state, "policy network two-branch final state");
    }

    [Fact]
    public void PolicyNetwork_StepWithSlots_StepsOnlyThoseSlotsInRowOrder()
    {
        PolicyNetworkSpec spec = PolicyFixtures.CleanRlLike(600);
        using var network = new DevicePolicyNetwork(Device, spec, capacity: 4);
        double[][] state = InitialState(network, 4, 601);
        int[][] slotLists = [[3, 1], [3, 1], [0, 3]];
        var random = new Random(602);
        foreach (int[] slots in slotLists)
        {
            byte[] frames = new byte[slots.Length * network.ObservationSize];
            random.NextBytes(frames);
            float[] starts = [0f, slots[0] == 0 ? 1f : 0f];
            var actual = new float[slots.Length * network.OutputSize];
            network.Step(frames, slots, starts, actual, slots.Length);
            double[][] rows = [.. slots.Select(s => state[s])];
            float[] expected = PolicyFixtures.Forward(spec, [.. frames.Select(v => (float)v)], frames: true, starts, rows, 1, slots.Length);
            AssertClose(expected, actual, $"policy network step on slots [{string.Join(", ", slots)}]");
        }
        AssertState(network, state, "policy network state of every slot after slot steps");
    }

    [Fact]
    public void PolicyNetwork_DuplicateOrOutOfRangeSlot_Throws()
    {
        using var network = new DevicePolicyNetwork(Device, PolicyFixtures.TwoBranchVector(700), capacity: 3);
        var observations = new float[2 * network.ObservationSize];
        var outputs = new float[2 * network.OutputSize];
        Assert.Contains("slot 1 appears twice", Assert.Throws<ArgumentException>(() => network.Step(observations, [1, 1], default, outputs, 2)).Message);
        Assert.Contains("slot 3 is outside 0..2", Assert.Throws<ArgumentOutOfRangeException>(() => network.Step(observations, [0, 3], default, outputs, 2)).Message);
        network.Step(observations, [2, 1], default, outputs, 2);
    }

    [Fact]
    public void PolicyNetwork_RecurrentWeightOfWrongWidth_ThrowsNamingTheLayer()
    {
        PolicyNetworkSpec good = PolicyFixtures.CleanRlLike(400);
        PolicyBranchSpec branch = good.Branches[0];
        RecurrentLayerSpec layer = branch.Layers[0] with { WeightIh = new Tensor(96, 31) };
        PolicyNetworkSpec bad = good with { Branches = [branch with { Layers = [layer] }] };
        int before = Device.BufferCount;
        var e = Assert.Throws<AgentException>(() => new DevicePolicyNetwork(Device, bad, 2));
        Assert.Equal("policy network: branch 0 layer 0 weight_ih is (96, 31), expected (96, 32)", e.Message);
        Assert.Equal(before, Device.BufferCount);
    }

    /// <summary>Random state per slot, written to the network; returns it as the reference's (slots, StateSize) doubles.</summary>
    private static double[][] InitialState(DevicePolicyNetwork network, int slots, int seed)
    {
        var state = new double[slots][];
        for (int s = 0; s < slots; s++)
        {
            float[] values = ComputeReference.Random(seed + s, network.StateSize, 0.5f);
            network.WriteState(s, values);
            state[s] = [.. values.Select(v => (double)v)];
        }
        return state;
    }

    private void AssertState(DevicePolicyNetwork network, double[][] expected, string what)
    {
        var actual = new float[network.StateSize];
        float[] all = new float[expected.Length * network.StateSize];
        for (int s = 0; s < expected.Length; s++)
        {
            network.ReadState(s, actual);
            actual.CopyTo(all, s * network.StateSize);
        }
        AssertClose([.. expected.SelectMany(row => row.Select(v => (float)v))], all, what);
    }
}
