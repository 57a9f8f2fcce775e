namespace AgentRnn.Memory;

/// <summary>
/// State slots in host memory, one (SlotCount, StateSize) array: the slots of a model that runs on the host with
/// explicit state spans (a <see cref="Core.Recurrent.RecurrentCore"/>), where <see cref="Row"/> is the span to step.
/// </summary>
/// <remarks>Thread-safety: one thread at a time.</remarks>
public sealed class HostStateSlots : IStateSlots
{
    private float[] _states = [];

    /// <summary>No slots yet, each of <paramref name="stateSize"/> floats.</summary>
    public HostStateSlots(int stateSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stateSize);
        StateSize = stateSize;
    }

    /// <inheritdoc/>
    public int StateSize { get; }

    /// <inheritdoc/>
    public int SlotCount { get; private set; }

    /// <summary>Slot <paramref name="slot"/>'s state itself (not a copy), to step in place.</summary>
    public Span<float> Row(int slot)
    {
        CheckSlot(slot);
        return _states.AsSpan(slot * StateSize, StateSize);
    }

    /// <inheritdoc/>
    public void EnsureSlots(int slots)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(slots);
        if (slots > SlotCount)
        {
            Array.Resize(ref _states, checked(slots * StateSize));
            SlotCount = slots;
        }
    }

    /// <inheritdoc/>
    public void ResetSlot(int slot) => Row(slot).Clear();

    /// <inheritdoc/>
    public void ReadSlot(int slot, Span<float> state) => Row(slot).CopyTo(state);

    /// <inheritdoc/>
    public void WriteSlot(int slot, ReadOnlySpan<float> state)
    {
        if (state.Length < StateSize)
        {
            throw new ArgumentException($"a slot's state is {StateSize} floats, the span holds {state.Length}", nameof(state));
        }
        state[..StateSize].CopyTo(Row(slot));
    }

    private void CheckSlot(int slot)
    {
        if ((uint)slot >= (uint)SlotCount)
        {
            throw new ArgumentOutOfRangeException(nameof(slot), $"slot {slot} is outside 0..{SlotCount - 1}");
        }
    }
}
