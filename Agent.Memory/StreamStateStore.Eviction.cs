namespace AgentRnn.Memory;

public sealed partial class StreamStateStore
{
    /// <summary>
    /// Removes every stream not touched during the last <paramref name="maxIdleSteps"/> steps (<see cref="ResolveStep"/> calls), i.e. whose
    /// idle count <see cref="Steps"/> − (Steps when last touched) exceeds it. Their slots are freed.
    /// </summary>
    /// <param name="maxIdleSteps">Idle steps a stream may have and stay; 0 evicts everything not touched by the last step.</param>
    /// <param name="evicted">When given, receives the evicted ids (e.g. to close their sinks).</param>
    /// <returns>The number of streams evicted.</returns>
    public int EvictIdle(long maxIdleSteps, ICollection<long>? evicted = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxIdleSteps);
        return EvictWhere(slot => _steps - _lastStep[slot] > maxIdleSteps, evicted);
    }

    /// <summary>Removes every stream not touched for longer than <paramref name="maxIdle"/>, by the store's <see cref="TimeProvider"/>.</summary>
    /// <param name="maxIdle">Idle time a stream may have and stay.</param>
    /// <param name="evicted">When given, receives the evicted ids (e.g. to close their sinks).</param>
    /// <returns>The number of streams evicted.</returns>
    public int EvictIdle(TimeSpan maxIdle, ICollection<long>? evicted = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIdle, TimeSpan.Zero);
        long now = _time.GetTimestamp();
        return EvictWhere(slot => _time.GetElapsedTime(_lastTouch[slot], now) > maxIdle, evicted);
    }

    private int EvictWhere(Func<int, bool> idle, ICollection<long>? evicted)
    {
        int count = 0;
        // Dictionary.Remove does not invalidate a running enumeration (guaranteed since .NET Core 3.0).
        foreach ((long id, int slot) in _slotOf)
        {
            if (idle(slot))
            {
                Remove(id);
                evicted?.Add(id);
                count++;
            }
        }
        return count;
    }
}
