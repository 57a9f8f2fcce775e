using Agent.Core;
using Agent.Host.Models;
using Agent.Host.Pipeline;

namespace Agent.Host.Accelerated;

/// <summary>
/// A <see cref="DevicePolicy"/> with a categorical (Discrete) actor as the pipeline's <see cref="IBatchModel"/>: each
/// stream's recurrent state stays in a device slot between frames, so a step uploads only the batch's frames and
/// downloads only the heads' outputs; softmax and argmax run on the host.
/// </summary>
/// <remarks>
/// <para>The pipeline keeps <see cref="StateSize"/> floats per stream and hands them to every step; here that one
/// float is not recurrent state but the stream's ticket to its device slot: 0 before the stream's first step, then
/// an id this model issued (slot + 1 + capacity·serial, exact in a float). A row whose ticket is 0 gets the slot used
/// least recently — a slot of a stream that has ended when no more than <see cref="DevicePolicy.Capacity"/> streams are live — and
/// starts from a zeroed state there. A ticket whose slot has since been given to another stream is refused.</para>
/// <para>Thread-safety: one thread steps at a time (the pipeline's inference thread). Steps allocate nothing.</para>
/// </remarks>
public sealed class DeviceBatchModel : IBatchModel, IDisposable
{
    /// <summary>Tickets stay below 2^24, where every integer is exact in a float.</summary>
    private const int TicketLimit = 1 << 24;

    private readonly DevicePolicy _policy;
    private readonly PolicyOutputs _outputs;
    private readonly int[] _slots;      // (Capacity) slot of each row of the current step
    private readonly float[] _starts;   // (Capacity) episode starts, 1 for rows that took a fresh slot
    private readonly long[] _lastUsed;  // (Capacity) step at which each slot was last stepped; −1: never
    private readonly int[] _serial;     // (Capacity) how many streams each slot has held, modulo the ticket range
    private readonly int _serialLimit;
    private long _step;

    /// <summary>
    /// Wraps <paramref name="policy"/>, which it owns from now on; the policy's capacity is the number of live streams
    /// and the largest batch.
    /// </summary>
    /// <exception cref="AgentException">The action space is not Discrete, or the model takes vector observations.</exception>
    public DeviceBatchModel(DevicePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.Action.Kind != ActionKind.Discrete)
        {
            throw new AgentException($"the model's action space is {policy.Action}; labels and the benchmark need a Discrete one");
        }
        if (!policy.TakesFrames)
        {
            throw new AgentException("the model takes vector observations, not frames");
        }
        _policy = policy;
        int capacity = policy.Capacity;
        _outputs = new PolicyOutputs(policy.Action, capacity);
        _slots = new int[capacity];
        _starts = new float[capacity];
        _lastUsed = new long[capacity];
        Array.Fill(_lastUsed, -1L);
        _serial = new int[capacity];
        _serialLimit = TicketLimit / capacity;
    }

    /// <summary>The device policy stepped.</summary>
    public DevicePolicy Policy => _policy;

    /// <inheritdoc/>
    public int ObservationSize => _policy.ObservationSize;

    /// <summary>One float per stream: the ticket to the stream's device slot (the state itself stays on the device).</summary>
    public int StateSize => 1;

    /// <inheritdoc/>
    public int ActionCount => _policy.Action.Width;

    /// <summary>
    /// One step. frames is (batch, ObservationSize) uint8; state is (batch, 1), each row's slot ticket (0 for a new
    /// stream, replaced by its ticket); episodeStarts is (batch); probs is (batch, ActionCount); values and actions are
    /// (batch). Rows must belong to distinct streams. Allocates nothing.
    /// </summary>
    public void Step(ReadOnlySpan<byte> frames, Span<float> state, ReadOnlySpan<float> episodeStarts,
        Span<float> probs, Span<float> values, Span<int> actions, int batch)
    {
        if (batch < 1 || batch > _slots.Length || state.Length < batch || episodeStarts.Length < batch)
        {
            throw new ArgumentException($"batch {batch} needs 1..{_slots.Length} rows with a state and an episode start each; got {state.Length} and {episodeStarts.Length}");
        }
        // Streams that already hold a slot claim it for this step first, so no new stream is given one of theirs.
        for (int b = 0; b < batch; b++)
        {
            int slot = -1;
            if (state[b] != 0f)
            {
                slot = SlotOf(state[b]);
                _lastUsed[slot] = _step;
                _starts[b] = episodeStarts[b];
            }
            _slots[b] = slot;
        }
        for (int b = 0; b < batch; b++)
        {
            if (_slots[b] < 0)
            {
                int slot = LeastRecentlyUsed();
                _serial[slot] = (_serial[slot] + 1) % _serialLimit;
                _lastUsed[slot] = _step;
                _slots[b] = slot;
                _starts[b] = 1f;
                state[b] = slot + 1 + _slots.Length * _serial[slot];
            }
        }
        _step++;
        _policy.Step(frames, _slots.AsSpan(0, batch), _starts.AsSpan(0, batch), _outputs, batch);
        _outputs.Probabilities.AsSpan(0, batch * ActionCount).CopyTo(probs);
        _outputs.Values.AsSpan(0, batch).CopyTo(values);
        _outputs.Actions.AsSpan(0, batch).CopyTo(actions);
    }

    /// <summary>Releases the device policy (and the device it opened).</summary>
    public void Dispose() => _policy.Dispose();

    private int SlotOf(float ticket)
    {
        int capacity = _slots.Length;
        int id = (int)ticket - 1;
        int slot = id % capacity;
        if (ticket != id + 1 || id < 0 || id >= TicketLimit || _serial[slot] != id / capacity)
        {
            throw new InvalidOperationException(
                $"state ticket {ticket} names no live device slot: more than {capacity} streams were live at once, or the state came from elsewhere");
        }
        return slot;
    }

    // A batch holds at most Capacity rows and its old streams have already claimed their slots for this step, so the
    // least recently used slot is never one of this step's.
    private int LeastRecentlyUsed()
    {
        int best = 0;
        for (int s = 1; s < _lastUsed.Length; s++)
        {
            if (_lastUsed[s] < _lastUsed[best])
            {
                best = s;
            }
        }
        return best;
    }
}
