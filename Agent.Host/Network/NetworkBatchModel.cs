using AgentRnn.Core;
using AgentRnn.Host.Models;
using AgentRnn.Host.Pipeline;

namespace AgentRnn.Host.Network;

/// <summary>
/// A <see cref="PolicyNetwork"/> with a categorical (Discrete) actor over frames as the pipeline's batch model, on
/// whatever device the network runs (the CPU device or an ILGPU accelerator). Each stream's recurrent state lives in
/// the network's slot numbered like the stream, on the device: a step uploads the batch's frames and brings back only
/// the heads' outputs, and the pipeline keeps no state of its own (<see cref="StateSize"/> is 0).
/// </summary>
/// <remarks>
/// <para>A stream's first frame comes with an episode start, which zeroes its slot, so a later run whose streams reuse
/// the slots starts afresh. A sequence (<see cref="StepSequence"/>) steps stream <c>stream</c>'s slot through its
/// frames in one call: the encoder over all of them, the core frame by frame, on the device.</para>
/// <para>Thread-safety: one thread steps at a time (the pipeline's inference thread). On the CPU device steps
/// allocate nothing; accelerator launches may.</para>
/// </remarks>
public sealed class NetworkBatchModel : ISequenceBatchModel, IDisposable
{
    private readonly PolicyNetwork _network;
    private readonly bool _ownsNetwork;
    private readonly PolicyOutputs _outputs;
    private bool _disposed;

    /// <summary>
    /// Wraps <paramref name="network"/> for <paramref name="streams"/> streams (slots 0..streams−1) and up to
    /// <paramref name="maxRows"/> rows per call (a batch of streams, or the frames of one sequence). With
    /// <paramref name="ownsNetwork"/> disposing this model disposes the network (and the device it owns).
    /// </summary>
    /// <exception cref="AgentException">The action space is not Discrete, or the model takes vector observations.</exception>
    public NetworkBatchModel(PolicyNetwork network, int streams, int maxRows, bool ownsNetwork)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(streams);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxRows);
        if (network.Action.Kind != ActionKind.Discrete)
        {
            throw new AgentException($"the model's action space is {network.Action}; labels and the benchmark need a Discrete one");
        }
        if (network.Config.Preprocess is null)
        {
            throw new AgentException("the model takes vector observations, not frames");
        }
        _network = network;
        _ownsNetwork = ownsNetwork;
        Streams = streams;
        MaxRows = Math.Max(maxRows, streams);
        network.EnsureSlots(streams);
        network.EnsureCapacity(MaxRows);
        _outputs = network.CreateOutputs(MaxRows);
    }

    /// <summary>The network stepped (its device, its slots).</summary>
    public PolicyNetwork Network => _network;

    /// <summary>Streams served: stream i's state is slot i.</summary>
    public int Streams { get; }

    /// <summary>The most rows one call steps.</summary>
    public int MaxRows { get; }

    /// <inheritdoc/>
    public int ObservationSize => _network.InputSize;

    /// <summary>0: every stream's state stays in the network's slot with the stream's index.</summary>
    public int StateSize => 0;

    /// <inheritdoc/>
    public int ActionCount => _network.Action.Width;

    /// <summary>
    /// One step. frames is (batch, ObservationSize) uint8; streams is (batch), each row's stream and slot (distinct,
    /// below <see cref="Streams"/>); state is ignored (empty); episodeStarts is (batch) or empty; probs is (batch,
    /// ActionCount); values and actions are (batch).
    /// </summary>
    public void Step(ReadOnlySpan<byte> frames, ReadOnlySpan<int> streams, Span<float> state, ReadOnlySpan<float> episodeStarts,
        Span<float> probs, Span<float> values, Span<int> actions, int batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (batch < 1 || batch > MaxRows || streams.Length < batch)
        {
            throw new ArgumentException($"batch {batch} needs 1..{MaxRows} rows with a stream each; got {streams.Length} streams");
        }
        foreach (int s in streams[..batch])
        {
            if ((uint)s >= (uint)Streams)
            {
                throw new ArgumentException($"stream {s} is outside 0..{Streams - 1}");
            }
        }
        _network.Step(frames, streams[..batch], episodeStarts.IsEmpty ? default : episodeStarts[..batch], _outputs, batch);
        CopyOut(probs, values, actions, batch);
    }

    /// <summary>
    /// Steps <paramref name="stream"/>'s slot through <paramref name="steps"/> frames (steps, ObservationSize) in one
    /// call; episodeStarts is (steps) or empty; state is ignored; probs, values and actions get one row per frame.
    /// </summary>
    public void StepSequence(ReadOnlySpan<byte> frames, int stream, Span<float> state, ReadOnlySpan<float> episodeStarts,
        Span<float> probs, Span<float> values, Span<int> actions, int steps)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if ((uint)stream >= (uint)Streams || steps < 1 || steps > MaxRows)
        {
            throw new ArgumentException($"sequence of {steps} frames on stream {stream}: needs 1..{MaxRows} frames and a stream in 0..{Streams - 1}");
        }
        _network.StepSequence(frames, stream, episodeStarts.IsEmpty ? default : episodeStarts[..steps], _outputs, steps);
        CopyOut(probs, values, actions, steps);
    }

    /// <summary>Releases the network when this model owns it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (_ownsNetwork)
        {
            _network.Dispose();
        }
    }

    private void CopyOut(Span<float> probs, Span<float> values, Span<int> actions, int rows)
    {
        _outputs.Probabilities.AsSpan(0, rows * ActionCount).CopyTo(probs);
        _outputs.Values.AsSpan(0, rows).CopyTo(values);
        _outputs.Actions.AsSpan(0, rows).CopyTo(actions);
    }
}
