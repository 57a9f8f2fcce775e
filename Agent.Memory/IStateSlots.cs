namespace AgentRnn.Memory;

/// <summary>
/// Numbered recurrent-state slots owned by a model, on the device where it runs (a PolicyNetwork's cores, or
/// <see cref="HostStateSlots"/> on the host). <see cref="StreamStateStore"/> books streams into them; the model steps
/// them in place, so a stream's state exists once, in its slot.
/// </summary>
/// <remarks>Thread-safety: the owner's rule (one thread at a time, the thread that steps the model).</remarks>
public interface IStateSlots
{
    /// <summary>Floats of state per slot, in the host form <see cref="ReadSlot"/> and <see cref="WriteSlot"/> exchange.</summary>
    int StateSize { get; }

    /// <summary>Number of slots (ids 0 .. SlotCount − 1).</summary>
    int SlotCount { get; }

    /// <summary>Grows to at least <paramref name="slots"/> slots; new ones start zeroed. Never shrinks.</summary>
    void EnsureSlots(int slots);

    /// <summary>Zeroes slot <paramref name="slot"/>'s state (a new episode).</summary>
    void ResetSlot(int slot);

    /// <summary>Copies slot <paramref name="slot"/>'s state (<see cref="StateSize"/> floats) to <paramref name="state"/>.</summary>
    void ReadSlot(int slot, Span<float> state);

    /// <summary>Sets slot <paramref name="slot"/>'s state from <see cref="StateSize"/> floats of <paramref name="state"/>.</summary>
    void WriteSlot(int slot, ReadOnlySpan<float> state);
}
