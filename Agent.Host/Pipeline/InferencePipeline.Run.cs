using System.Diagnostics;
using System.Threading.Channels;

namespace AgentRnn.Host.Pipeline;

public sealed partial class InferencePipeline
{
    /// <summary>One run: the slot memory, the channels and the stage threads, all allocated before the first frame.</summary>
    private sealed partial class Run
    {
        private readonly IBatchModel _model;
        private readonly IReadOnlyList<IFrameSource> _sources;
        private readonly IResultSink _sink;
        private readonly CancellationToken _cancellation;
        private readonly int _streams;
        private readonly int _slotsPerStream;
        private readonly int _maxBatch;
        private readonly int _sequence;
        private readonly int _maxWaitMs;
        private readonly int _workers;
        private readonly int _observationSize;
        private readonly int _actions;

        // Slot memory, indexed by global slot (stream·slotsPerStream + k).
        private readonly byte[] _observations;
        private readonly FrameInfo[] _frames;
        private readonly long[] _readyTimestamps;
        private readonly float[] _probs;
        private readonly float[] _values;
        private readonly int[] _chosen;

        // Per stream: written by its source thread before its end token, read after the token arrives.
        private readonly Exception?[] _errors;
        private readonly bool[] _cancelled;

        // Free slots per source worker; frame and end tokens to the inference thread; results to the sink thread.
        // Capacities equal the tokens that can exist, so TryWrite always succeeds: backpressure is the slot pool.
        private readonly Channel<FrameToken>[] _free;
        private readonly Channel<FrameToken> _ready;
        private readonly Channel<FrameToken> _done;

        private readonly TaskCompletionSource<PipelineStats> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly LatencyHistogram _latency = new();
        private readonly long[] _sinkFrames;
        private Exception? _fault;
        private int _running;
        private long _startTimestamp;
        private long _sourceBusy;
        private long _modelBusy;
        private long _sinkBusy;
        private long _steps;
        private long _allocated;
        private long _completed;
        private volatile bool _finished;

        public Run(InferencePipeline owner, IReadOnlyList<IFrameSource> sources, IResultSink sink, CancellationToken cancellation)
        {
            _model = owner.Model;
            _sources = sources;
            _sink = sink;
            _cancellation = cancellation;
            _streams = sources.Count;
            PipelineOptions options = owner.Options;
            _maxBatch = Math.Min(options.MaxBatch, _streams);
            _sequence = _streams == 1 && _model is ISequenceBatchModel ? options.SequenceSteps : 1;
            _slotsPerStream = _sequence > 1 ? Math.Max(options.SlotsPerStream, 2 * _sequence) : options.SlotsPerStream;
            _maxWaitMs = (int)Math.Ceiling(options.MaxWait.TotalMilliseconds);
            _workers = Math.Min(_streams, options.SourceThreads > 0 ? options.SourceThreads : Environment.ProcessorCount);
            _observationSize = _model.ObservationSize;
            _actions = _model.ActionCount;

            int slots = _streams * _slotsPerStream;
            _observations = new byte[checked(slots * _observationSize)];
            _frames = new FrameInfo[slots];
            _readyTimestamps = new long[slots];
            _probs = new float[slots * _actions];
            _values = new float[slots];
            _chosen = new int[slots];
            _errors = new Exception?[_streams];
            _cancelled = new bool[_streams];
            _sinkFrames = new long[_streams];

            _free = new Channel<FrameToken>[_workers];
            for (int w = 0; w < _workers; w++)
            {
                int owned = (_streams - w + _workers - 1) / _workers;
                _free[w] = Bounded(owned * _slotsPerStream, singleWriter: true);
            }
            _ready = Bounded(slots + _streams, singleWriter: _workers == 1);
            _done = Bounded(slots + _streams, singleWriter: true);

            // Slot-major order so every stream gets its first frame read before any stream gets a second.
            for (int k = 0; k < _slotsPerStream; k++)
            {
                for (int s = 0; s < _streams; s++)
                {
                    Write(_free[s % _workers], new FrameToken(s, s * _slotsPerStream + k));
                }
            }
        }

        public bool IsFinished => _finished;

        public long FramesCompleted => Volatile.Read(ref _completed);

        public Task<PipelineStats> Start()
        {
            var threads = new List<Thread>();
            for (int w = 0; w < _workers; w++)
            {
                int worker = w;
                threads.Add(new Thread(() => Guard(() => SourceLoop(worker))) { Name = $"agent-source-{w}" });
            }
            threads.Add(new Thread(() => Guard(InferenceLoop)) { Name = "agent-inference" });
            threads.Add(new Thread(() => Guard(SinkLoop)) { Name = "agent-sink" });
            _running = threads.Count;
            _startTimestamp = Stopwatch.GetTimestamp();
            foreach (Thread thread in threads)
            {
                thread.IsBackground = true;
                thread.Start();
            }
            return _completion.Task;
        }

        private static Channel<FrameToken> Bounded(int capacity, bool singleWriter) =>
            Channel.CreateBounded<FrameToken>(new BoundedChannelOptions(capacity)
            {
                FullMode = BoundedChannelFullMode.Wait,
                SingleReader = true,
                SingleWriter = singleWriter,
                // The only continuation is a ChannelWaiter setting its event: cheap, and running it inline spares a
                // thread-pool hop that the model's parallel kernels may be holding up.
                AllowSynchronousContinuations = true,
            });

        private void Write(Channel<FrameToken> channel, FrameToken token)
        {
            if (!channel.Writer.TryWrite(token) && _fault is null)
            {
                throw new InvalidOperationException("pipeline channel full: a token was written twice");
            }
        }

        private bool Faulted => Volatile.Read(ref _fault) is not null;

        private void Guard(Action loop)
        {
            long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                loop();
            }
            catch (Exception e)
            {
                Fault(e);
            }
            finally
            {
                Interlocked.Add(ref _allocated, GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
                if (Interlocked.Decrement(ref _running) == 0)
                {
                    Finish();
                }
            }
        }

        private void Fault(Exception e)
        {
            if (Interlocked.CompareExchange(ref _fault, e, null) is null)
            {
                foreach (Channel<FrameToken> free in _free)
                {
                    free.Writer.TryComplete();
                }
                _ready.Writer.TryComplete();
                _done.Writer.TryComplete();
            }
        }

        private void Finish()
        {
            long elapsed = Stopwatch.GetTimestamp() - _startTimestamp;
            _finished = true;
            if (_fault is not null)
            {
                _completion.TrySetException(_fault);
                return;
            }
            var ends = new StreamEnd[_streams];
            for (int s = 0; s < _streams; s++)
            {
                ends[s] = new StreamEnd(s, _sinkFrames[s], _errors[s], _cancelled[s]);
            }
            _completion.TrySetResult(new PipelineStats
            {
                Streams = _streams,
                Frames = _completed,
                Wall = Stopwatch.GetElapsedTime(0, elapsed),
                Steps = _steps,
                SourceBusy = Stopwatch.GetElapsedTime(0, _sourceBusy),
                ModelBusy = Stopwatch.GetElapsedTime(0, _modelBusy),
                SinkBusy = Stopwatch.GetElapsedTime(0, _sinkBusy),
                Latency = _latency,
                AllocatedBytes = _allocated,
                Threads = _workers + 2,
                Ends = ends,
            });
        }

        private Span<byte> Observation(int slot) => _observations.AsSpan(slot * _observationSize, _observationSize);
    }
}
