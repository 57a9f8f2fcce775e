using AgentRnn.Host.Models;
using AgentRnn.Memory;

namespace AgentRnn.Host.Network;

/// <summary>
/// Receives one step of <see cref="PolicyStreams.Generate"/>: <paramref name="outputs"/> holds that step's row 0
/// (probabilities, value, action); fill <paramref name="nextObservation"/> (InputSize floats, as the float
/// <see cref="PolicyNetwork.Step(ReadOnlySpan{float}, ReadOnlySpan{int}, ReadOnlySpan{float}, PolicyOutputs, int)"/>
/// takes them) with the next step's input. Called on the generating thread; it must not keep the spans.
/// </summary>
public delegate void PolicyReadout(PolicyOutputs outputs, int step, Span<float> nextObservation);

/// <summary>
/// A <see cref="PolicyNetwork"/> stepped by stream id: its slots hold every stream's recurrent state on its device, and
/// a <see cref="StreamStateStore"/> books the ids into them (add, remove, reset, evict, snapshot, restore through
/// <see cref="Store"/>). The one place where stream ids meet the network; the pipeline's batch model steps through it.
/// </summary>
/// <remarks>
/// <para>The sequence modes of the RNN literature:</para>
/// <list type="bullet">
/// <item>synced many-to-many: <see cref="Step(ReadOnlySpan{byte}, ReadOnlySpan{long}, ReadOnlySpan{float}, PolicyOutputs, int)"/>
/// steps many streams one frame each, one decision per frame (a game tick, a labelled video frame);</item>
/// <item>many-to-one and many-to-many over a clip: <see cref="StepSequence"/> steps one stream through many frames in one
/// call and writes a row per frame; many-to-one reads the last row (steps − 1);</item>
/// <item>one-to-many generation: <see cref="Generate"/> feeds each step's outputs back, through a
/// <see cref="PolicyReadout"/>, as the next input.</item>
/// </list>
/// <para>A stream id the store does not hold is added, with a zero state, at its first step. Episode starts reset a
/// stream's slot inside the step (state·(1 − start)), as CleanRL and SB3 do.</para>
/// <para>Thread-safety: one thread at a time, for the steps and the store alike (the store's slots are the network's).
/// Allocation: once the streams are held and <see cref="PolicyNetwork.EnsureCapacity"/> covers the batch, steps allocate nothing.</para>
/// </remarks>
public sealed class PolicyStreams : IDisposable
{
    private readonly bool _ownsNetwork;
    private readonly long[] _oneId = new long[1];
    private int[] _slots = [];
    private float[] _next = [];

    /// <summary>Steps <paramref name="network"/> by stream id; with <paramref name="ownsNetwork"/> disposing this disposes it.</summary>
    /// <param name="network">The network whose slots hold the streams' states; the store books every slot from now on.</param>
    /// <param name="ownsNetwork">Whether <see cref="Dispose"/> disposes the network.</param>
    /// <param name="timeProvider">The store's clock for time-based eviction; <see cref="TimeProvider.System"/> when null.</param>
    public PolicyStreams(PolicyNetwork network, bool ownsNetwork = false, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        Network = network;
        Store = new StreamStateStore(network, timeProvider);
        _ownsNetwork = ownsNetwork;
    }

    /// <summary>The network stepped.</summary>
    public PolicyNetwork Network { get; }

    /// <summary>Which stream holds which of the network's slots: add, remove, reset, evict, snapshot, restore.</summary>
    public StreamStateStore Store { get; }

    /// <summary>Outputs shaped for the network's action space and up to <paramref name="maxBatch"/> rows.</summary>
    public PolicyOutputs CreateOutputs(int maxBatch) => Network.CreateOutputs(maxBatch);

    /// <summary>
    /// Synced many-to-many: one uint8 frame per stream. frames is (batch, C, H, W); streams is (batch) distinct ids;
    /// episodeStarts is (batch) or empty; outputs receives rows 0..batch−1 in the order of <paramref name="streams"/>.
    /// </summary>
    public void Step(ReadOnlySpan<byte> frames, ReadOnlySpan<long> streams, ReadOnlySpan<float> episodeStarts, PolicyOutputs outputs, int batch) =>
        Network.Step(frames, Resolve(streams, batch), episodeStarts, outputs, batch);

    /// <summary>As the uint8 overload, on float observations (batch, InputSize) fed to the encoder as they are.</summary>
    public void Step(ReadOnlySpan<float> observations, ReadOnlySpan<long> streams, ReadOnlySpan<float> episodeStarts, PolicyOutputs outputs, int batch) =>
        Network.Step(observations, Resolve(streams, batch), episodeStarts, outputs, batch);

    /// <summary>
    /// Many-to-many over a clip (and many-to-one: read row steps − 1): steps <paramref name="stream"/> through
    /// <paramref name="steps"/> consecutive uint8 frames (steps, C, H, W) in one call; the encoder runs once over all of
    /// them. episodeStarts is (steps) or empty; outputs receives one row per frame.
    /// </summary>
    public void StepSequence(ReadOnlySpan<byte> frames, long stream, ReadOnlySpan<float> episodeStarts, PolicyOutputs outputs, int steps)
    {
        _oneId[0] = stream;
        Network.StepSequence(frames, Resolve(_oneId, 1)[0], episodeStarts, outputs, steps);
    }

    /// <summary>
    /// One-to-many generation: steps <paramref name="stream"/> on <paramref name="first"/> (InputSize floats), then on
    /// whatever <paramref name="readout"/> makes of each step's outputs, <paramref name="steps"/> steps in all.
    /// <paramref name="outputs"/> (at least one row) holds each step's row 0 when the readout is called, once per step.
    /// The stream's state carries on from where it was (reset it through <see cref="Store"/> first for a fresh start).
    /// </summary>
    public void Generate(long stream, ReadOnlySpan<float> first, int steps, PolicyOutputs outputs, PolicyReadout readout)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(readout);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        int size = Network.InputSize;
        if (first.Length < size)
        {
            throw new ArgumentException($"generation starts from one observation of {size} floats; the span holds {first.Length}", nameof(first));
        }
        if (_next.Length < size)
        {
            _next = new float[size];
        }
        Span<float> input = _next.AsSpan(0, size);
        first[..size].CopyTo(input);
        _oneId[0] = stream;
        for (int t = 0; t < steps; t++)
        {
            Network.Step(input, Resolve(_oneId, 1), default, outputs, 1);
            readout(outputs, t, input);
        }
    }

    /// <summary>Disposes the network when this owns it.</summary>
    public void Dispose()
    {
        if (_ownsNetwork)
        {
            Network.Dispose();
        }
    }

    private ReadOnlySpan<int> Resolve(ReadOnlySpan<long> streams, int batch)
    {
        if (batch <= 0 || streams.Length < batch)
        {
            throw new ArgumentException($"a step of {batch} rows needs as many stream ids; {streams.Length} given");
        }
        if (_slots.Length < batch)
        {
            _slots = new int[batch];
        }
        Span<int> slots = _slots.AsSpan(0, batch);
        Store.ResolveStep(streams[..batch], slots, addMissing: true);
        return slots;
    }
}
