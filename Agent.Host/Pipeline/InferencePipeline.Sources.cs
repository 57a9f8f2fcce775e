using System.Diagnostics;
using System.Threading.Channels;

namespace AgentRnn.Host.Pipeline;

public sealed partial class InferencePipeline
{
    private sealed partial class Run
    {
        /// <summary>
        /// Source worker <paramref name="worker"/> serves streams s ≡ worker (mod workers): it takes whichever of its
        /// streams has a free slot first, reads that stream's next frame into the slot and passes the token on.
        /// </summary>
        private void SourceLoop(int worker)
        {
            ChannelReader<FrameToken> free = _free[worker].Reader;
            var waiter = new ChannelWaiter<FrameToken>(free);
            var ended = new bool[_streams];
            int open = 0;
            for (int s = worker; s < _streams; s += _workers)
            {
                open++;
            }
            long busy = 0;
            try
            {
                while (open > 0 && !Faulted)
                {
                    if (_cancellation.IsCancellationRequested)
                    {
                        for (int s = worker; s < _streams; s += _workers)
                        {
                            if (!ended[s])
                            {
                                _cancelled[s] = true;
                                ended[s] = true;
                                Write(_ready, FrameToken.End(s));
                            }
                        }
                        return;
                    }
                    if (!free.TryRead(out FrameToken token))
                    {
                        // Wake now and then to notice cancellation while every slot is in flight.
                        if (waiter.Wait(50) == ChannelWaiter<FrameToken>.Outcome.Completed)
                        {
                            return;
                        }
                        continue;
                    }
                    int stream = token.Stream;
                    if (ended[stream])
                    {
                        continue;
                    }
                    long start = Stopwatch.GetTimestamp();
                    bool read;
                    FrameInfo frame = default;
                    try
                    {
                        read = _sources[stream].Read(Observation(token.Slot), out frame);
                    }
                    catch (Exception e)
                    {
                        _errors[stream] = e;
                        read = false;
                    }
                    long end = Stopwatch.GetTimestamp();
                    busy += end - start;
                    if (read)
                    {
                        _frames[token.Slot] = frame;
                        _readyTimestamps[token.Slot] = end;
                        Write(_ready, token);
                    }
                    else
                    {
                        ended[stream] = true;
                        open--;
                        Write(_ready, FrameToken.End(stream));
                    }
                }
            }
            finally
            {
                Interlocked.Add(ref _sourceBusy, busy);
            }
        }
    }
}
