using System.Diagnostics;
using System.Threading.Channels;

namespace AgentRnn.Host.Pipeline;

public sealed partial class InferencePipeline
{
    private sealed partial class Run
    {
        /// <summary>The sink thread: hands each result to the sink, records its latency and frees its slot.</summary>
        private void SinkLoop()
        {
            ChannelReader<FrameToken> done = _done.Reader;
            var waiter = new ChannelWaiter<FrameToken>(done);
            int ended = 0;
            while (ended < _streams && !Faulted)
            {
                if (!done.TryRead(out FrameToken token))
                {
                    if (waiter.Wait(Timeout.Infinite) == ChannelWaiter<FrameToken>.Outcome.Completed)
                    {
                        return;
                    }
                    continue;
                }
                int stream = token.Stream;
                long start = Stopwatch.GetTimestamp();
                if (token.IsEnd)
                {
                    _sink.OnStreamEnd(new StreamEnd(stream, _sinkFrames[stream], _errors[stream], _cancelled[stream]));
                    ended++;
                    _sinkBusy += Stopwatch.GetTimestamp() - start;
                    continue;
                }
                int slot = token.Slot;
                _latency.RecordTicks(start - _readyTimestamps[slot]);
                var result = new FrameResult(stream, _frames[slot], _chosen[slot], _values[slot], _probs.AsSpan(slot * _actions, _actions));
                _sink.OnFrame(in result);
                _sinkFrames[stream]++;
                Volatile.Write(ref _completed, _completed + 1);
                Write(_free[stream % _workers], token);
                _sinkBusy += Stopwatch.GetTimestamp() - start;
            }
        }
    }
}
