namespace AgentRnn.Memory;

/// <summary>
/// Book-keeping of many concurrent streams (videos, env instances, players, game agents) over a model's state
/// slots: which caller-chosen stream id holds which slot, when each was last stepped, and snapshots of them. The
/// states themselves live only in the slots (<see cref="IStateSlots"/>, on the model's device): the store keeps no copy.
/// </summary>
/// <remarks>
/// <para>A step over N streams is: <see cref="ResolveStep"/> turns their ids into slot numbers (adding new streams
/// when asked), then the model steps those slots in place (episode starts reset a slot inside the step, as CleanRL
/// and SB3 do). Add, Remove, Reset, Evict, Snapshot and Restore act on the slots directly.</para>
/// <para>Thread-safety contract: one thread at a time, the thread that steps the model that owns the slots (the slots
/// are that model's memory, and reading or writing them during a step would race with it). Spans passed in are used
/// only during the call. Front doors that take calls from many threads (AsyncAgentBrain) serialize them onto one.</para>
/// <para>Idle clocks: a stream is touched (its idle clocks restart) by Add, Reset, SetState and ResolveStep.
/// <see cref="EvictIdle(long, ICollection{long}?)"/> counts idleness in steps (ResolveStep calls),
/// <see cref="EvictIdle(TimeSpan, ICollection{long}?)"/> in time from the store's <see cref="TimeProvider"/>.</para>
/// <para>Allocation: ResolveStep allocates nothing once the streams are added; adding grows the slots by doubling.</para>
/// </remarks>
public sealed partial class StreamStateStore
{
    private readonly Dictionary<long, int> _slotOf = new();
    private readonly TimeProvider _time;
    private long[] _lastStep = [];  // per slot: Steps when last touched
    private long[] _lastTouch = []; // per slot: TimeProvider timestamp when last touched
    private int[] _mark = [];       // per slot: the call number that last listed it, to find repeated ids without allocating
    private int[] _free = [];       // stack of free slots
    private int _freeCount;
    private int _capacity;
    private int _call;
    private long _steps;

    /// <summary>
    /// A store over <paramref name="slots"/>, which it books from now on (slot numbers 0, 1, ... in use order). Slots the
    /// model already has (<see cref="IStateSlots.SlotCount"/>) are taken as the store's first capacity, so streams up to
    /// that count are added without growing anything.
    /// </summary>
    /// <param name="slots">The model's state slots (PolicyNetwork, or <see cref="HostStateSlots"/>).</param>
    /// <param name="timeProvider">Clock for time-based eviction; <see cref="TimeProvider.System"/> when null.</param>
    public StreamStateStore(IStateSlots slots, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(slots);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slots.StateSize);
        Slots = slots;
        StateSize = slots.StateSize;
        _time = timeProvider ?? TimeProvider.System;
        Grow(slots.SlotCount);
    }

    /// <summary>A store over slots of its own in host memory (<see cref="HostStateSlots"/>), for states of <paramref name="stateSize"/> floats.</summary>
    public StreamStateStore(int stateSize, TimeProvider? timeProvider = null)
        : this(new HostStateSlots(stateSize), timeProvider)
    {
    }

    /// <summary>The slots the store books: where every stream's state lives.</summary>
    public IStateSlots Slots { get; }

    /// <summary>Floats of state per stream.</summary>
    public int StateSize { get; }

    /// <summary>Number of streams held.</summary>
    public int Count => _slotOf.Count;

    /// <summary>Number of <see cref="ResolveStep"/> calls so far (restored by <see cref="Restore"/>/<see cref="Load"/>): the store's step clock.</summary>
    public long Steps => _steps;

    /// <summary>Whether stream <paramref name="id"/> is held.</summary>
    public bool Contains(long id) => _slotOf.ContainsKey(id);

    /// <summary>Stream <paramref name="id"/>'s slot, or false when it is not held.</summary>
    public bool TryGetSlot(long id, out int slot) => _slotOf.TryGetValue(id, out slot);

    /// <summary>The ids held, in no particular order (a copy).</summary>
    public long[] Ids() => [.. _slotOf.Keys];

    /// <summary>Adds stream <paramref name="id"/> with a zero state (PyTorch's initial state); false, changing nothing, when it is already held.</summary>
    public bool Add(long id)
    {
        if (_slotOf.ContainsKey(id))
        {
            return false;
        }
        AddNew(id);
        return true;
    }

    /// <summary>Zeroes stream <paramref name="id"/>'s state (a new episode); false when it is not held.</summary>
    public bool Reset(long id)
    {
        if (!_slotOf.TryGetValue(id, out int slot))
        {
            return false;
        }
        Slots.ResetSlot(slot);
        Touch(slot);
        return true;
    }

    /// <summary>Drops stream <paramref name="id"/>; its slot is free for the next stream (zeroed when taken). False when it is not held.</summary>
    public bool Remove(long id)
    {
        if (!_slotOf.Remove(id, out int slot))
        {
            return false;
        }
        _free[_freeCount++] = slot;
        return true;
    }

    /// <summary>Drops every stream. <see cref="Steps"/> is kept.</summary>
    public void Clear()
    {
        foreach (int slot in _slotOf.Values)
        {
            _free[_freeCount++] = slot;
        }
        _slotOf.Clear();
    }

    /// <summary>Copies stream <paramref name="id"/>'s state (StateSize floats) into <paramref name="destination"/>.</summary>
    /// <exception cref="KeyNotFoundException">The stream is not held.</exception>
    public void CopyState(long id, Span<float> destination)
    {
        CheckRow(destination.Length, nameof(destination));
        Slots.ReadSlot(SlotOf(id), destination[..StateSize]);
    }

    /// <summary>Overwrites stream <paramref name="id"/>'s state with <paramref name="source"/> (StateSize floats).</summary>
    /// <exception cref="KeyNotFoundException">The stream is not held.</exception>
    public void SetState(long id, ReadOnlySpan<float> source)
    {
        CheckRow(source.Length, nameof(source));
        int slot = SlotOf(id);
        Slots.WriteSlot(slot, source[..StateSize]);
        Touch(slot);
    }

    /// <summary>
    /// The slots of <paramref name="ids"/> for one step: slots[i] receives ids[i]'s slot. With
    /// <paramref name="addMissing"/> an id not held is added with a zero state; otherwise it throws. Touches every
    /// listed stream and advances <see cref="Steps"/> by one. Allocates nothing once the streams are held.
    /// </summary>
    /// <exception cref="KeyNotFoundException">An id is not held and <paramref name="addMissing"/> is false.</exception>
    /// <exception cref="ArgumentException">An id is listed twice, or <paramref name="slots"/> is shorter than <paramref name="ids"/>; nothing changes.</exception>
    public void ResolveStep(ReadOnlySpan<long> ids, Span<int> slots, bool addMissing = false)
    {
        if (slots.Length < ids.Length)
        {
            throw new ArgumentException($"{ids.Length} stream ids need {ids.Length} slot entries; the span holds {slots.Length}", nameof(slots));
        }
        int call = NextCall();
        for (int i = 0; i < ids.Length; i++)
        {
            if (_slotOf.TryGetValue(ids[i], out int slot))
            {
                MarkOnce(slot, call, ids[i]);
            }
            else if (!addMissing)
            {
                throw new KeyNotFoundException($"stream {ids[i]} is not in the state store");
            }
            else if (ids[..i].Contains(ids[i]))
            {
                throw new ArgumentException($"stream {ids[i]} is listed twice in one batch");
            }
        }
        _steps++;
        for (int i = 0; i < ids.Length; i++)
        {
            if (!_slotOf.TryGetValue(ids[i], out int slot))
            {
                slot = AddNew(ids[i]);
            }
            slots[i] = slot;
            Touch(slot);
        }
    }

    private int AddNew(long id)
    {
        int slot = TakeSlot();
        _slotOf.Add(id, slot);
        Slots.ResetSlot(slot);
        Touch(slot);
        return slot;
    }

    private void Touch(int slot)
    {
        _lastStep[slot] = _steps;
        _lastTouch[slot] = _time.GetTimestamp();
    }

    private int SlotOf(long id) =>
        _slotOf.TryGetValue(id, out int slot) ? slot : throw new KeyNotFoundException($"stream {id} is not in the state store");

    private int NextCall()
    {
        if (++_call == int.MaxValue)
        {
            // The marks compare for equality only; restarting the count after clearing them keeps them unambiguous.
            Array.Clear(_mark);
            _call = 1;
        }
        return _call;
    }

    private void MarkOnce(int slot, int call, long id)
    {
        if (_mark[slot] == call)
        {
            throw new ArgumentException($"stream {id} is listed twice in one batch");
        }
        _mark[slot] = call;
    }

    private int TakeSlot()
    {
        if (_freeCount == 0)
        {
            Grow(Math.Max(16, _capacity * 2));
        }
        return _free[--_freeCount];
    }

    // Grows the model's slots and every per-slot array to newCapacity and pushes the new slots on the free stack
    // (highest first, so slots are handed out in ascending order).
    private void Grow(int newCapacity)
    {
        int old = _capacity;
        if (newCapacity <= old)
        {
            return;
        }
        Slots.EnsureSlots(newCapacity);
        Array.Resize(ref _lastStep, newCapacity);
        Array.Resize(ref _lastTouch, newCapacity);
        Array.Resize(ref _mark, newCapacity);
        Array.Resize(ref _free, newCapacity);
        for (int slot = newCapacity - 1; slot >= old; slot--)
        {
            _free[_freeCount++] = slot;
        }
        _capacity = newCapacity;
    }

    private void CheckRow(int length, string name)
    {
        if (length < StateSize)
        {
            throw new ArgumentException($"{name} holds {length} floats; a stream's state is {StateSize}", name);
        }
    }
}
