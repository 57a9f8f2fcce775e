using System.Threading.Channels;

namespace AgentRnn.Host.Pipeline;

/// <summary>
/// Blocks a dedicated stage thread until a single-reader channel has data, with an optional timeout, without
/// allocating: the channel's reusable single-reader wait operation completes an event this thread sleeps on.
/// </summary>
/// <remarks>
/// A timed-out wait stays registered with the channel; the next call keeps waiting on the same operation instead of
/// asking for a new one, because a single reader may have only one outstanding wait (a second one would allocate).
/// </remarks>
internal sealed class ChannelWaiter<T>
{
    private readonly ChannelReader<T> _reader;
    private readonly ManualResetEventSlim _signal = new(false, spinCount: 20);
    private readonly Action _onCompleted;
    private ValueTask<bool> _pending;
    private bool _hasPending;

    public ChannelWaiter(ChannelReader<T> reader)
    {
        _reader = reader;
        _onCompleted = _signal.Set;
    }

    /// <summary>Outcome of <see cref="Wait"/>.</summary>
    public enum Outcome
    {
        /// <summary>Data may be read now.</summary>
        Ready,

        /// <summary>The timeout passed first.</summary>
        TimedOut,

        /// <summary>The channel is completed and empty.</summary>
        Completed,
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> (−1: forever) for data.</summary>
    public Outcome Wait(int timeoutMs)
    {
        if (!_hasPending)
        {
            _pending = _reader.WaitToReadAsync();
            if (_pending.IsCompleted)
            {
                return Consume();
            }
            _signal.Reset();
            _hasPending = true;
            _pending.GetAwaiter().UnsafeOnCompleted(_onCompleted);
        }
        if (!_signal.Wait(timeoutMs))
        {
            return Outcome.TimedOut;
        }
        _hasPending = false;
        return Consume();
    }

    private Outcome Consume()
    {
        bool more;
        try
        {
            more = _pending.GetAwaiter().GetResult();
        }
        catch (ChannelClosedException)
        {
            more = false;
        }
        _pending = default;
        return more ? Outcome.Ready : Outcome.Completed;
    }
}
