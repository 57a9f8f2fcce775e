namespace AgentRnn.Core.Compute;

/// <summary>
/// A stacked recurrent layer (PyTorch nn.LSTM / nn.GRU / nn.RNN semantics) that OWNS the recurrent state of a number
/// of slots on its device, created by <see cref="ComputeDevice.CreateRecurrent"/>. A slot is one stream's memory
/// (an agent, a video, an env): callers step a batch of slots by id, and the state never leaves the device except
/// through <see cref="ReadSlot"/> / <see cref="WriteSlot"/> (snapshots).
/// </summary>
/// <remarks>
/// A slot's state is <see cref="StateSize"/> floats in the layout of <see cref="RecurrentSpec.StateSize"/>; the host
/// form that ReadSlot and WriteSlot exchange is the same on every device, so a snapshot taken on one device restores
/// on another. New slots start zeroed (PyTorch's default initial state). Episode starts follow CleanRL and SB3: before
/// a step, a slot's state is multiplied by (1 − episodeStart).
/// </remarks>
public abstract class RecurrentLayer : DeviceLayer
{
    private int[] _marks = [];
    private int _stamp;

    /// <summary>Checks the spec and slot count; the device packs the weights and allocates the slots.</summary>
    protected RecurrentLayer(ComputeDevice device, RecurrentSpec spec, int slots)
        : base(device)
    {
        spec.Validate();
        ArgumentOutOfRangeException.ThrowIfNegative(slots);
        Spec = spec;
        SlotCount = slots;
    }

    /// <summary>The layer's shape.</summary>
    public RecurrentSpec Spec { get; }

    /// <summary>Floats of state per slot.</summary>
    public int StateSize => Spec.StateSize;

    /// <summary>Number of slots (ids 0 .. SlotCount − 1).</summary>
    public int SlotCount { get; private set; }

    /// <summary>Grows the layer to at least <paramref name="slots"/> slots; the new ones start zeroed. Never shrinks.</summary>
    public void EnsureSlots(int slots)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(slots);
        if (slots <= SlotCount)
        {
            return;
        }
        GrowSlotsCore(SlotCount, slots);
        SlotCount = slots;
    }

    /// <summary>Zeroes slot <paramref name="slot"/>'s state (a new episode).</summary>
    public void ResetSlot(int slot)
    {
        CheckSlot(slot);
        ResetSlotCore(slot);
    }

    /// <summary>Copies slot <paramref name="slot"/>'s state to the host: <paramref name="state"/> holds at least <see cref="StateSize"/> floats.</summary>
    public void ReadSlot(int slot, Span<float> state)
    {
        CheckSlot(slot);
        CheckState(state.Length);
        ReadSlotCore(slot, state.Slice(0, StateSize));
    }

    /// <summary>Sets slot <paramref name="slot"/>'s state from the host: <paramref name="state"/> holds at least <see cref="StateSize"/> floats.</summary>
    public void WriteSlot(int slot, ReadOnlySpan<float> state)
    {
        CheckSlot(slot);
        CheckState(state.Length);
        WriteSlotCore(slot, state.Slice(0, StateSize));
    }

    /// <summary>Copies slot <paramref name="from"/>'s state over slot <paramref name="to"/>'s (compaction, forking a stream).</summary>
    public void CopySlot(int from, int to)
    {
        CheckSlot(from);
        CheckSlot(to);
        if (from != to)
        {
            CopySlotCore(from, to);
        }
    }

    /// <summary>
    /// One step for <paramref name="batch"/> slots: input is (batch, InputSize); slots[b] names the slot of row b
    /// (distinct ids); episodeStarts is (batch) or empty — a nonzero entry scales that slot's state by (1 − start)
    /// before the step; output (batch, HiddenSize) receives the top layer's new h. The slots' states are updated.
    /// </summary>
    public void Step(DeviceView<float> input, ReadOnlySpan<int> slots, ReadOnlySpan<float> episodeStarts, DeviceView<float> output, int batch)
    {
        Sequence(input, slots, episodeStarts, output, 1, batch);
    }

    /// <summary>
    /// <paramref name="steps"/> steps for <paramref name="batch"/> slots in one call (SB3's sequence stepping):
    /// input is (steps, batch, InputSize); slots is (batch); episodeStarts is (steps, batch) or empty — before step t,
    /// slot slots[b]'s state is scaled by (1 − episodeStarts[t, b]); output (steps, batch, HiddenSize) receives the top
    /// layer's h after every step. Equals <paramref name="steps"/> calls of <see cref="Step"/>.
    /// </summary>
    public void Sequence(DeviceView<float> input, ReadOnlySpan<int> slots, ReadOnlySpan<float> episodeStarts, DeviceView<float> output, int steps, int batch)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        Require(input, nameof(input), (long)steps * batch * Spec.InputSize);
        Require(output, nameof(output), (long)steps * batch * Spec.HiddenSize);
        if (slots.Length < batch)
        {
            throw new ArgumentException($"{batch} rows need {batch} slot ids, got {slots.Length}", nameof(slots));
        }
        if (!episodeStarts.IsEmpty && episodeStarts.Length < (long)steps * batch)
        {
            throw new ArgumentException($"episodeStarts has {episodeStarts.Length} entries, needs 0 or {(long)steps * batch}", nameof(episodeStarts));
        }
        CheckSlots(slots.Slice(0, batch));
        SequenceCore(input, slots.Slice(0, batch), episodeStarts.IsEmpty ? default : episodeStarts.Slice(0, steps * batch), output, steps, batch);
    }

    /// <summary>Grows the slot storage from <paramref name="oldCount"/> to <paramref name="newCount"/> slots, the new ones zeroed, the old ones kept.</summary>
    protected abstract void GrowSlotsCore(int oldCount, int newCount);

    /// <summary>Zeroes a valid slot.</summary>
    protected abstract void ResetSlotCore(int slot);

    /// <summary>Copies a valid slot's state (exactly StateSize floats) to the host.</summary>
    protected abstract void ReadSlotCore(int slot, Span<float> state);

    /// <summary>Sets a valid slot's state from exactly StateSize host floats.</summary>
    protected abstract void WriteSlotCore(int slot, ReadOnlySpan<float> state);

    /// <summary>Copies one valid slot over another (distinct).</summary>
    protected abstract void CopySlotCore(int from, int to);

    /// <summary>Sequence stepping on checked arguments: slots are valid and distinct, episodeStarts is empty or exactly (steps, batch).</summary>
    protected abstract void SequenceCore(DeviceView<float> input, ReadOnlySpan<int> slots, ReadOnlySpan<float> episodeStarts, DeviceView<float> output, int steps, int batch);

    private void CheckSlot(int slot)
    {
        ThrowIfDisposed();
        if ((uint)slot >= (uint)SlotCount)
        {
            throw new ArgumentOutOfRangeException(nameof(slot), $"slot {slot} of a recurrent layer with {SlotCount} slots");
        }
    }

    private void CheckState(int length)
    {
        if (length < StateSize)
        {
            throw new ArgumentException($"a slot's state is {StateSize} floats, the span holds {length}");
        }
    }

    // Every id in range and no id twice (two rows stepping one slot would race on its state).
    private void CheckSlots(ReadOnlySpan<int> slots)
    {
        if (_marks.Length < SlotCount)
        {
            _marks = new int[SlotCount];
            _stamp = 0;
        }
        if (++_stamp == int.MaxValue)
        {
            Array.Clear(_marks);
            _stamp = 1;
        }
        foreach (int slot in slots)
        {
            if ((uint)slot >= (uint)SlotCount)
            {
                throw new ArgumentOutOfRangeException(nameof(slots), $"slot {slot} of a recurrent layer with {SlotCount} slots");
            }
            if (_marks[slot] == _stamp)
            {
                throw new ArgumentException($"slot {slot} appears twice in one step", nameof(slots));
            }
            _marks[slot] = _stamp;
        }
    }
}
