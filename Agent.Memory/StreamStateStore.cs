using AgentRnn.Core.Recurrent;

namespace AgentRnn.Memory;

/// <summary>
/// Recurrent state for many concurrent streams (videos, env instances, players), keyed by a caller-chosen
/// stream id. A step over N active streams is one batched computation: <see cref="Gather"/> copies their states
/// into a (N, StateSize) batch, the core steps the batch, <see cref="Scatter"/> copies it back.
/// </summary>
/// <remarks>
/// <para>Thread-safety contract. Every public member is safe to call from any thread at any time: each call takes
/// one private lock and is atomic with respect to every other call. Spans passed in are read or written only
/// during the call; the store keeps no reference to them, and exposes no reference to its own memory.</para>
/// <para>The Gather → step → Scatter cycle is three calls, not one: it belongs to one stepping thread (the model
/// loop). Other threads may Add, Remove, Reset, SetState, Snapshot, Save or Evict meanwhile, with these effects:
/// a stream removed (or evicted) between its Gather and Scatter is skipped by Scatter (and not re-added); a stream
/// reset or overwritten in between is overwritten again by Scatter, so the change is lost. To reset a stream
/// reliably, pass its episode start to the step (<see cref="RecurrentCore.Sequence"/> or
/// <see cref="RecurrentCore.ResetState"/>) on the stepping thread, or reset it outside a cycle.</para>
/// <para>What each call may mutate: Add/Reset/SetState/Remove/Clear/Evict/Restore/Load change the set of
/// streams or their states; Gather changes only the caller's span and the streams' idle clocks; Scatter
/// changes the streams' states, their idle clocks and advances <see cref="Steps"/> by one;
/// Contains/Count/Ids/CopyState/Snapshot/Save change nothing.</para>
/// <para>Idle clocks: a stream is touched (its idle clocks restart) by Add, Reset, SetState, Gather and Scatter.
/// <see cref="EvictIdle(long, ICollection{long}?)"/> counts idleness in Scatter calls (steps),
/// <see cref="EvictIdle(TimeSpan, ICollection{long}?)"/> in time from the store's <see cref="TimeProvider"/>.</para>
/// </remarks>
public sealed partial class StreamStateStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<long, int> _slots = new();
    private readonly TimeProvider _time;
    private float[] _states = [];   // (capacity, StateSize)
    private long[] _lastStep = [];  // per slot: Steps when last touched
    private long[] _lastTouch = []; // per slot: TimeProvider timestamp when last touched
    private int[] _mark = [];       // per slot: the call number that last listed it, to find repeated ids without allocating
    private int[] _free = [];       // stack of free slots
    private int _freeCount;
    private int _call;
    private long _steps;

    /// <summary>Creates an empty store for states of <paramref name="stateSize"/> floats each.</summary>
    /// <param name="stateSize">Floats per stream, usually <see cref="RecurrentCore.StateSize"/>.</param>
    /// <param name="timeProvider">Clock for time-based eviction; <see cref="TimeProvider.System"/> when null.</param>
    public StreamStateStore(int stateSize, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stateSize);
        StateSize = stateSize;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Creates an empty store sized for <paramref name="core"/>'s state.</summary>
    public StreamStateStore(RecurrentCore core, TimeProvider? timeProvider = null)
        : this((core ?? throw new ArgumentNullException(nameof(core))).StateSize, timeProvider)
    {
    }

    /// <summary>Floats of state per stream.</summary>
    public int StateSize { get; }

    /// <summary>Number of streams held.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _slots.Count;
            }
        }
    }

    /// <summary>Number of Scatter calls so far (restored by <see cref="Restore"/>/<see cref="Load"/>): the store's step clock.</summary>
    public long Steps
    {
        get
        {
            lock (_lock)
            {
                return _steps;
            }
        }
    }

    /// <summary>Whether stream <paramref name="id"/> is held.</summary>
    public bool Contains(long id)
    {
        lock (_lock)
        {
            return _slots.ContainsKey(id);
        }
    }

    /// <summary>The ids held, in no particular order (a copy).</summary>
    public long[] Ids()
    {
        lock (_lock)
        {
            return [.. _slots.Keys];
        }
    }

    /// <summary>Adds stream <paramref name="id"/> with a zero state (PyTorch's initial state); false, changing nothing, when it is already held.</summary>
    public bool Add(long id)
    {
        lock (_lock)
        {
            if (_slots.ContainsKey(id))
            {
                return false;
            }
            int slot = TakeSlot();
            _slots.Add(id, slot);
            Row(slot).Clear();
            Touch(slot);
            return true;
        }
    }

    /// <summary>Zeroes stream <paramref name="id"/>'s state (a new episode); false when it is not held.</summary>
    public bool Reset(long id)
    {
        lock (_lock)
        {
            if (!_slots.TryGetValue(id, out int slot))
            {
                return false;
            }
            Row(slot).Clear();
            Touch(slot);
            return true;
        }
    }

    /// <summary>Drops stream <paramref name="id"/> and its state; false when it is not held.</summary>
    public bool Remove(long id)
    {
        lock (_lock)
        {
            return RemoveLocked(id);
        }
    }

    /// <summary>Drops every stream. <see cref="Steps"/> is kept.</summary>
    public void Clear()
    {
        lock (_lock)
        {
            foreach (int slot in _slots.Values)
            {
                _free[_freeCount++] = slot;
            }
            _slots.Clear();
        }
    }

    /// <summary>Copies stream <paramref name="id"/>'s state (StateSize floats) into <paramref name="destination"/>.</summary>
    /// <exception cref="KeyNotFoundException">The stream is not held.</exception>
    public void CopyState(long id, Span<float> destination)
    {
        CheckRow(destination.Length, 1, nameof(destination));
        lock (_lock)
        {
            Row(SlotOf(id)).CopyTo(destination);
        }
    }

    /// <summary>Overwrites stream <paramref name="id"/>'s state with <paramref name="source"/> (StateSize floats).</summary>
    /// <exception cref="KeyNotFoundException">The stream is not held.</exception>
    public void SetState(long id, ReadOnlySpan<float> source)
    {
        CheckRow(source.Length, 1, nameof(source));
        lock (_lock)
        {
            int slot = SlotOf(id);
            source.Slice(0, StateSize).CopyTo(Row(slot));
            Touch(slot);
        }
    }

    /// <summary>
    /// Copies the states of <paramref name="ids"/> into <paramref name="batchState"/>, (ids.Length, StateSize), row i
    /// for ids[i]. Allocates nothing.
    /// </summary>
    /// <exception cref="KeyNotFoundException">An id is not held (add streams first; <see cref="Add"/> is idempotent).</exception>
    /// <exception cref="ArgumentException">An id is listed twice, or <paramref name="batchState"/> is too short.</exception>
    public void Gather(ReadOnlySpan<long> ids, Span<float> batchState)
    {
        CheckRow(batchState.Length, ids.Length, nameof(batchState));
        lock (_lock)
        {
            int call = NextCall();
            for (int i = 0; i < ids.Length; i++)
            {
                int slot = SlotOf(ids[i]);
                MarkOnce(slot, call, ids[i]);
            }
            for (int i = 0; i < ids.Length; i++)
            {
                int slot = _slots[ids[i]];
                Row(slot).CopyTo(batchState.Slice(i * StateSize, StateSize));
                Touch(slot);
            }
        }
    }

    /// <summary>
    /// Copies <paramref name="batchState"/>, (ids.Length, StateSize), back: row i becomes ids[i]'s state. Ids no
    /// longer held (removed or evicted since their Gather) are skipped. Advances <see cref="Steps"/> by one.
    /// Allocates nothing.
    /// </summary>
    /// <returns>The number of states written back.</returns>
    /// <exception cref="ArgumentException">An id is listed twice, or <paramref name="batchState"/> is too short.</exception>
    public int Scatter(ReadOnlySpan<long> ids, ReadOnlySpan<float> batchState)
    {
        CheckRow(batchState.Length, ids.Length, nameof(batchState));
        lock (_lock)
        {
            int call = NextCall();
            for (int i = 0; i < ids.Length; i++)
            {
                if (_slots.TryGetValue(ids[i], out int slot))
                {
                    MarkOnce(slot, call, ids[i]);
                }
            }
            _steps++;
            int written = 0;
            for (int i = 0; i < ids.Length; i++)
            {
                if (_slots.TryGetValue(ids[i], out int slot))
                {
                    batchState.Slice(i * StateSize, StateSize).CopyTo(Row(slot));
                    Touch(slot);
                    written++;
                }
            }
            return written;
        }
    }

    private Span<float> Row(int slot) => _states.AsSpan(slot * StateSize, StateSize);

    private void Touch(int slot)
    {
        _lastStep[slot] = _steps;
        _lastTouch[slot] = _time.GetTimestamp();
    }

    private int SlotOf(long id) =>
        _slots.TryGetValue(id, out int slot) ? slot : throw new KeyNotFoundException($"stream {id} is not in the state store");

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

    private bool RemoveLocked(long id)
    {
        if (!_slots.Remove(id, out int slot))
        {
            return false;
        }
        _free[_freeCount++] = slot;
        return true;
    }

    private int TakeSlot()
    {
        if (_freeCount == 0)
        {
            Grow(Math.Max(16, _free.Length * 2));
        }
        return _free[--_freeCount];
    }

    // Grows every per-slot array to newCapacity slots and pushes the new slots on the free stack (highest first,
    // so slots are handed out in ascending order).
    private void Grow(int newCapacity)
    {
        int old = _free.Length;
        if (newCapacity <= old)
        {
            return;
        }
        Array.Resize(ref _states, checked(newCapacity * StateSize));
        Array.Resize(ref _lastStep, newCapacity);
        Array.Resize(ref _lastTouch, newCapacity);
        Array.Resize(ref _mark, newCapacity);
        Array.Resize(ref _free, newCapacity);
        for (int slot = newCapacity - 1; slot >= old; slot--)
        {
            _free[_freeCount++] = slot;
        }
    }

    private void CheckRow(int length, int rows, string name)
    {
        if (length < (long)rows * StateSize)
        {
            throw new ArgumentException($"{name} holds {length} floats; {rows} stream(s) of state size {StateSize} need {(long)rows * StateSize}", name);
        }
    }
}
