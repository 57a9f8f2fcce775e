using System.Threading.Tasks.Sources;
using AgentRnn.Vision;

namespace AgentRnn;

/// <summary>
/// An <see cref="AgentBrain"/> stepped on its own thread: <see cref="ActAsync(int, in GameFrame, CancellationToken)"/>
/// copies the agent's frame and returns at once; the brain thread batches every request that arrived meanwhile into
/// one step and completes them. For game loops that must not wait for the network, and for servers that serve many
/// callers.
/// </summary>
/// <remarks>
/// Thread-safety: every member may be called from any thread. Each agent has at most one request in flight (a second
/// ActAsync for the same agent before the first completes throws <see cref="InvalidOperationException"/>).
/// <see cref="StartEpisode"/>, <see cref="Remove"/>, <see cref="SaveMemory"/> and <see cref="RestoreMemory"/> take
/// effect between two batched steps, so they may wait for the step in progress. Continuations run on the thread pool,
/// never on the brain thread. A request's frame is copied before ActAsync returns, so the caller may reuse its buffer.
/// Allocation: once every agent has made a request, further requests allocate nothing.
/// </remarks>
public sealed class AsyncAgentBrain : IDisposable
{
    private readonly AgentBrain _brain;
    private readonly Lock _brainGate = new();      // held by the brain thread while it steps
    private readonly Lock _queueGate = new();      // guards _requests and _queue; never held while stepping
    private readonly Dictionary<int, Request> _requests = [];
    private readonly Queue<Request> _queue = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly Thread _thread;
    private Request[] _batch = new Request[16];
    private volatile bool _disposed;

    /// <summary>Runs <paramref name="brain"/> on a new background thread; the AsyncAgentBrain owns it from now on.</summary>
    public AsyncAgentBrain(AgentBrain brain)
    {
        ArgumentNullException.ThrowIfNull(brain);
        _brain = brain;
        _thread = new Thread(Loop) { IsBackground = true, Name = "AgentRnn brain" };
        _thread.Start();
    }

    /// <summary>What the model takes and returns.</summary>
    public BrainModelInfo Model => _brain.Model;

    /// <summary>Loads a model as <see cref="AgentBrain.Load"/> does and runs it on its own thread.</summary>
    public static AsyncAgentBrain Load(string modelPath, AgentBrainOptions? options = null) => new(AgentBrain.Load(modelPath, options));

    /// <summary>
    /// Queues agent <paramref name="agentId"/>'s frame; the task completes with its decision after the next batched step
    /// (with its previous decision when the frame only fills the frame-skip window). The frame is validated and copied
    /// before this returns. <paramref name="cancellationToken"/> is checked before the request is queued.
    /// </summary>
    public ValueTask<AgentDecision> ActAsync(int agentId, in GameFrame frame, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<AgentDecision>(cancellationToken);
        }
        Request request = Begin(agentId);
        request.SetFrame(frame);
        return Enqueue(request);
    }

    /// <summary>As <see cref="ActAsync(int, in GameFrame, CancellationToken)"/> for a vector observation (MLP models).</summary>
    public ValueTask<AgentDecision> ActAsync(int agentId, ReadOnlySpan<float> observation, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<AgentDecision>(cancellationToken);
        }
        Request request = Begin(agentId);
        request.SetVector(observation);
        return Enqueue(request);
    }

    /// <summary>Starts a new episode for the agent (memory, frame stack and max-pool buffer cleared); see <see cref="AgentBrain.StartEpisode"/>.</summary>
    public void StartEpisode(int agentId)
    {
        lock (_brainGate)
        {
            ThrowIfDisposed();
            _brain.StartEpisode(agentId);
        }
    }

    /// <summary>Forgets the agent and its memory; false when unknown. An agent with a request in flight cannot be removed (throws).</summary>
    public bool Remove(int agentId)
    {
        lock (_brainGate)
        {
            ThrowIfDisposed();
            lock (_queueGate)
            {
                if (_requests.TryGetValue(agentId, out Request? r) && r.InFlight)
                {
                    throw new InvalidOperationException($"agent {agentId} has a request in flight; await it before removing the agent");
                }
                _requests.Remove(agentId);
            }
            return _brain.Remove(agentId);
        }
    }

    /// <summary>The agents' memory as bytes; see <see cref="AgentBrain.SaveMemory(ReadOnlySpan{int})"/>.</summary>
    public byte[] SaveMemory(ReadOnlySpan<int> agentIds = default)
    {
        lock (_brainGate)
        {
            ThrowIfDisposed();
            return _brain.SaveMemory(agentIds);
        }
    }

    /// <summary>Restores agents' memory; see <see cref="AgentBrain.RestoreMemory(ReadOnlySpan{byte})"/>.</summary>
    public void RestoreMemory(ReadOnlySpan<byte> bytes)
    {
        lock (_brainGate)
        {
            ThrowIfDisposed();
            _brain.RestoreMemory(bytes);
        }
    }

    /// <summary>Stops the brain thread (requests still queued fail with <see cref="ObjectDisposedException"/>) and disposes the brain.</summary>
    public void Dispose()
    {
        lock (_brainGate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
        }
        _signal.Release();
        _thread.Join();
        lock (_queueGate)
        {
            while (_queue.TryDequeue(out Request? r))
            {
                r.Fail(new ObjectDisposedException(nameof(AsyncAgentBrain)));
            }
        }
        _brain.Dispose();
        _signal.Dispose();
    }

    private Request Begin(int agentId)
    {
        ThrowIfDisposed();
        lock (_queueGate)
        {
            if (!_requests.TryGetValue(agentId, out Request? request))
            {
                request = new Request(agentId);
                _requests.Add(agentId, request);
            }
            if (request.InFlight)
            {
                throw new InvalidOperationException($"agent {agentId} already has a request in flight; await it first");
            }
            request.InFlight = true;
            return request;
        }
    }

    private ValueTask<AgentDecision> Enqueue(Request request)
    {
        ValueTask<AgentDecision> task = request.Task();
        lock (_queueGate)
        {
            _queue.Enqueue(request);
        }
        _signal.Release();
        if (_disposed)
        {
            // Dispose may have drained the queue before this request entered it.
            lock (_queueGate)
            {
                if (_queue.Count > 0 && !_thread.IsAlive)
                {
                    while (_queue.TryDequeue(out Request? r))
                    {
                        r.Fail(new ObjectDisposedException(nameof(AsyncAgentBrain)));
                    }
                }
            }
        }
        return task;
    }

    private void Loop()
    {
        while (true)
        {
            _signal.Wait();
            if (_disposed)
            {
                return;
            }
            int count;
            lock (_queueGate)
            {
                count = _queue.Count;
                if (count > _batch.Length)
                {
                    Array.Resize(ref _batch, Math.Max(count, _batch.Length * 2));
                }
                for (int i = 0; i < count; i++)
                {
                    _batch[i] = _queue.Dequeue();
                }
            }
            if (count == 0)
            {
                continue;
            }
            lock (_brainGate)
            {
                StepBatch(count);
            }
        }
    }

    private void StepBatch(int count)
    {
        for (int i = 0; i < count; i++)
        {
            Request r = _batch[i];
            try
            {
                r.Observe(_brain);
            }
            catch (Exception e)
            {
                _batch[i] = null!;
                r.Fail(e);
            }
        }
        try
        {
            _brain.Step();
        }
        catch (Exception e)
        {
            for (int i = 0; i < count; i++)
            {
                _batch[i]?.Fail(e);
                _batch[i] = null!;
            }
            return;
        }
        for (int i = 0; i < count; i++)
        {
            if (_batch[i] is { } r)
            {
                r.Complete(_brain.DecisionOf(r.AgentId));
                _batch[i] = null!;
            }
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>One agent's reusable request: its copied frame and a resettable completion source.</summary>
    private sealed class Request : IValueTaskSource<AgentDecision>
    {
        private ManualResetValueTaskSourceCore<AgentDecision> _core = new() { RunContinuationsAsynchronously = true };
        private byte[] _pixels = [];
        private float[] _vector = [];
        private int _width;
        private int _height;
        private int _stride;
        private PixelFormat _format;
        private bool _bottomUp;
        private bool _isVector;

        public Request(int agentId) => AgentId = agentId;

        public int AgentId { get; }

        // Written under the queue lock; read there too.
        public bool InFlight { get; set; }

        public ValueTask<AgentDecision> Task() => new(this, _core.Version);

        public void SetFrame(in GameFrame frame)
        {
            int row = frame.Width * frame.Format.BytesPerPixel();
            int length = (frame.Height - 1) * frame.Stride + row;
            if (_pixels.Length < length)
            {
                _pixels = new byte[length];
            }
            frame.Pixels[..length].CopyTo(_pixels);
            (_width, _height, _stride, _format, _bottomUp, _isVector) = (frame.Width, frame.Height, frame.Stride, frame.Format, frame.BottomUp, false);
        }

        public void SetVector(ReadOnlySpan<float> observation)
        {
            if (_vector.Length != observation.Length)
            {
                _vector = observation.ToArray();
            }
            else
            {
                observation.CopyTo(_vector);
            }
            _isVector = true;
        }

        public void Observe(AgentBrain brain)
        {
            if (_isVector)
            {
                brain.Observe(AgentId, _vector);
            }
            else
            {
                brain.Observe(AgentId, new GameFrame(_pixels, _width, _height, _stride, _format, _bottomUp));
            }
        }

        public void Complete(AgentDecision decision) => _core.SetResult(decision);

        public void Fail(Exception error) => _core.SetException(error);

        AgentDecision IValueTaskSource<AgentDecision>.GetResult(short token)
        {
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                _core.Reset();
                InFlight = false;
            }
        }

        ValueTaskSourceStatus IValueTaskSource<AgentDecision>.GetStatus(short token) => _core.GetStatus(token);

        void IValueTaskSource<AgentDecision>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
