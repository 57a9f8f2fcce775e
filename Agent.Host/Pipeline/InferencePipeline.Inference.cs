using System.Diagnostics;
using System.Threading.Channels;

namespace AgentRnn.Host.Pipeline;

public sealed partial class InferencePipeline
{
    private sealed partial class Run
    {
        /// <summary>
        /// The inference thread: forms batches of at most one frame per stream, steps the model once on the frames and
        /// their stream indices (the model keeps each stream's state in its own slots), scatters the outputs to the
        /// tokens' slots, and passes the tokens to the sink in the same order.
        /// </summary>
        private void InferenceLoop()
        {
            if (_sequence > 1)
            {
                SequenceLoop((ISequenceBatchModel)_model);
                return;
            }
            ChannelReader<FrameToken> ready = _ready.Reader;
            var waiter = new ChannelWaiter<FrameToken>(ready);
            var batcher = new Batcher(_streams, _slotsPerStream + 1, _maxBatch);
            var stepped = new long[_streams];
            var frames = new byte[checked(_maxBatch * _observationSize)];
            var batchStreams = new int[_maxBatch];
            var starts = new float[_maxBatch];
            var probs = new float[checked(_maxBatch * _actions)];
            var values = new float[_maxBatch];
            var actions = new int[_maxBatch];
            ChannelWriter<FrameToken> done = _done.Writer;

            while (batcher.ActiveStreams > 0 && !Faulted)
            {
                batcher.BeginBatch(done);
                Fill(ready, batcher, done);
                if (batcher.Count == 0)
                {
                    if (batcher.ActiveStreams > 0 && waiter.Wait(Timeout.Infinite) == ChannelWaiter<FrameToken>.Outcome.Completed)
                    {
                        return;
                    }
                    continue;
                }
                if (_maxWaitMs > 0 && batcher.Count < Math.Min(_maxBatch, batcher.ActiveStreams))
                {
                    long deadline = Stopwatch.GetTimestamp() + _maxWaitMs * Stopwatch.Frequency / 1000;
                    while (batcher.Count < Math.Min(_maxBatch, batcher.ActiveStreams))
                    {
                        long left = deadline - Stopwatch.GetTimestamp();
                        if (left <= 0)
                        {
                            break;
                        }
                        ChannelWaiter<FrameToken>.Outcome outcome = waiter.Wait((int)Math.Max(1, left * 1000 / Stopwatch.Frequency));
                        if (outcome != ChannelWaiter<FrameToken>.Outcome.Ready)
                        {
                            break;
                        }
                        Fill(ready, batcher, done);
                    }
                }

                long start = Stopwatch.GetTimestamp();
                int batch = batcher.Count;
                for (int b = 0; b < batch; b++)
                {
                    FrameToken token = batcher[b];
                    Observation(token.Slot).CopyTo(frames.AsSpan(b * _observationSize, _observationSize));
                    batchStreams[b] = token.Stream;
                    starts[b] = stepped[token.Stream] == 0 ? 1f : 0f;
                }
                _model.Step(frames.AsSpan(0, batch * _observationSize), batchStreams.AsSpan(0, batch), starts.AsSpan(0, batch),
                    probs.AsSpan(0, batch * _actions), values.AsSpan(0, batch), actions.AsSpan(0, batch), batch);
                for (int b = 0; b < batch; b++)
                {
                    FrameToken token = batcher[b];
                    probs.AsSpan(b * _actions, _actions).CopyTo(_probs.AsSpan(token.Slot * _actions, _actions));
                    _values[token.Slot] = values[b];
                    _chosen[token.Slot] = actions[b];
                    stepped[token.Stream]++;
                    Write(_done, token);
                }
                _modelBusy += Stopwatch.GetTimestamp() - start;
                _steps++;
            }
        }

        /// <summary>
        /// The inference thread with one stream and <see cref="PipelineOptions.SequenceSteps"/> above 1: waits for that
        /// many frames (or the stream's end), steps them in one <see cref="ISequenceBatchModel.StepSequence"/>, and
        /// passes them to the sink in order.
        /// </summary>
        private void SequenceLoop(ISequenceBatchModel model)
        {
            ChannelReader<FrameToken> ready = _ready.Reader;
            var waiter = new ChannelWaiter<FrameToken>(ready);
            var tokens = new FrameToken[_sequence];
            var frames = new byte[checked(_sequence * _observationSize)];
            var starts = new float[_sequence];
            var probs = new float[checked(_sequence * _actions)];
            var values = new float[_sequence];
            var actions = new int[_sequence];
            ChannelWriter<FrameToken> done = _done.Writer;
            long stepped = 0;
            bool ended = false;
            while (!ended && !Faulted)
            {
                int count = 0;
                FrameToken end = default;
                while (count < _sequence && !ended)
                {
                    if (ready.TryRead(out FrameToken token))
                    {
                        if (token.IsEnd)
                        {
                            end = token;
                            ended = true;
                        }
                        else
                        {
                            tokens[count++] = token;
                        }
                    }
                    else if (waiter.Wait(Timeout.Infinite) == ChannelWaiter<FrameToken>.Outcome.Completed)
                    {
                        return;
                    }
                }
                if (count > 0)
                {
                    long start = Stopwatch.GetTimestamp();
                    for (int t = 0; t < count; t++)
                    {
                        Observation(tokens[t].Slot).CopyTo(frames.AsSpan(t * _observationSize, _observationSize));
                        starts[t] = stepped + t == 0 ? 1f : 0f;
                    }
                    model.StepSequence(frames.AsSpan(0, count * _observationSize), 0, starts.AsSpan(0, count),
                        probs.AsSpan(0, count * _actions), values.AsSpan(0, count), actions.AsSpan(0, count), count);
                    for (int t = 0; t < count; t++)
                    {
                        int slot = tokens[t].Slot;
                        probs.AsSpan(t * _actions, _actions).CopyTo(_probs.AsSpan(slot * _actions, _actions));
                        _values[slot] = values[t];
                        _chosen[slot] = actions[t];
                        Write(_done, tokens[t]);
                    }
                    stepped += count;
                    _modelBusy += Stopwatch.GetTimestamp() - start;
                    _steps++;
                }
                if (ended && !done.TryWrite(end))
                {
                    throw new InvalidOperationException("the sink channel refused an end token");
                }
            }
        }

        /// <summary>Admits deferred tokens first (they are older), then whatever the channel holds, until the batch is full.</summary>
        private static void Fill(ChannelReader<FrameToken> ready, Batcher batcher, ChannelWriter<FrameToken> done)
        {
            while (!batcher.IsFull && ready.TryRead(out FrameToken token))
            {
                batcher.Admit(token, done);
            }
        }
    }
}
