using System.Diagnostics;
using AgentRnn.Vision;
using Microsoft.Extensions.Options;

namespace AgentRnn.Orleans;

/// <summary>What one batched step gave an agent.</summary>
internal readonly record struct ActOutcome(int Action, float Value, float[] Probabilities, int BatchSize, byte[]? Memory);

/// <summary>Counters of a silo's batcher since it started.</summary>
/// <param name="Batches">Model steps taken.</param>
/// <param name="Acts">Agents' steps in them.</param>
/// <param name="MemorySaves">Agents' memories saved to bytes (what persistence writes).</param>
public readonly record struct AgentBatcherStatistics(long Batches, long Acts, long MemorySaves)
{
    /// <summary>Mean agents per model step.</summary>
    public double MeanBatch => Batches == 0 ? 0 : (double)Acts / Batches;
}

/// <summary>
/// The silo's batching service: one thread owns the model; grains queue their agents' steps (and memory restores,
/// saves, resets, removals) and the thread gathers the steps that arrive within <see cref="AgentSiloOptions.MaxWait"/>
/// of the first, up to <see cref="AgentSiloOptions.MaxBatch"/>, into one batched model step. Work is done in arrival
/// order, so a grain's restore always precedes its next step.
/// </summary>
public sealed class AgentBatcher : IDisposable
{
    private readonly IAgentModel _model;
    private readonly int _maxBatch;
    private readonly long _maxWaitTicks;
    private readonly Queue<Work> _queue = new();
    private readonly List<Work> _batch = [];
    private readonly Thread _thread;
    private bool _stopping;
    private long _batches;
    private long _acts;
    private long _saves;

    /// <summary>Starts the batcher's thread over the model; the batcher owns and disposes the model.</summary>
    public AgentBatcher(IAgentModel model, IOptions<AgentSiloOptions> options)
    {
        ArgumentNullException.ThrowIfNull(model);
        AgentSiloOptions o = options.Value;
        o.Validate();
        _model = model;
        _maxBatch = o.MaxBatch;
        _maxWaitTicks = (long)(o.MaxWait.TotalSeconds * Stopwatch.Frequency);
        _thread = new Thread(Run) { IsBackground = true, Name = "agent-batcher" };
        _thread.Start();
    }

    /// <summary>The model's fingerprint.</summary>
    public string ModelFingerprint => _model.Fingerprint;

    /// <summary>Counters since start.</summary>
    public AgentBatcherStatistics Statistics => new(Interlocked.Read(ref _batches), Interlocked.Read(ref _acts), Interlocked.Read(ref _saves));

    internal Task<ActOutcome> ActAsync(int agentId, AgentFrame frame, bool saveMemory)
    {
        var work = new Work(WorkKind.Act, agentId) { Frame = frame, SaveMemory = saveMemory };
        Enqueue(work);
        return work.Completion.Task;
    }

    /// <summary>Loads the agent's memory into the model (or forgets what the model had: a fresh agent when empty).</summary>
    internal Task RestoreAsync(int agentId, byte[]? memory) => Enqueue(new Work(WorkKind.Restore, agentId) { Memory = memory }).Completion.Task;

    internal Task ResetAsync(int agentId) => Enqueue(new Work(WorkKind.Reset, agentId)).Completion.Task;

    internal Task RemoveAsync(int agentId) => Enqueue(new Work(WorkKind.Remove, agentId)).Completion.Task;

    internal async Task<byte[]> SaveAsync(int agentId) => (await Enqueue(new Work(WorkKind.Save, agentId)).Completion.Task).Memory!;

    private Work Enqueue(Work work)
    {
        lock (_queue)
        {
            if (_stopping)
            {
                throw new ObjectDisposedException(nameof(AgentBatcher), "the silo's agent batcher is stopping");
            }
            _queue.Enqueue(work);
            Monitor.Pulse(_queue);
        }
        return work;
    }

    private void Run()
    {
        float[] scratch = new float[Math.Max(1, _model.ActionCount)];
        while (Gather())
        {
            Process(scratch);
        }
    }

    /// <summary>Waits for work, then gathers the steps arriving within MaxWait of the first (up to MaxBatch).</summary>
    private bool Gather()
    {
        _batch.Clear();
        lock (_queue)
        {
            while (_queue.Count == 0)
            {
                if (_stopping)
                {
                    return false;
                }
                Monitor.Wait(_queue);
            }
            long deadline = Stopwatch.GetTimestamp() + _maxWaitTicks;
            int acts = 0;
            while (true)
            {
                while (acts < _maxBatch && _queue.TryDequeue(out Work? work))
                {
                    _batch.Add(work);
                    if (work.Kind == WorkKind.Act)
                    {
                        acts++;
                    }
                }
                if (acts == 0 || acts >= _maxBatch || _stopping)
                {
                    return true;
                }
                long left = deadline - Stopwatch.GetTimestamp();
                if (left <= 0)
                {
                    return true;
                }
                Monitor.Wait(_queue, TimeSpan.FromSeconds((double)left / Stopwatch.Frequency));
            }
        }
    }

    private void Process(float[] scratch)
    {
        int observed = 0;
        foreach (Work work in _batch)
        {
            try
            {
                switch (work.Kind)
                {
                    case WorkKind.Act:
                        AgentFrame f = work.Frame!;
                        var frame = new GameFrame(f.Pixels, f.Width, f.Height, f.Stride, (PixelFormat)f.PixelFormat, f.BottomUp);
                        _model.Observe(work.AgentId, frame);
                        work.Observed = true;
                        observed++;
                        break;
                    case WorkKind.Restore:
                        _model.Remove(work.AgentId);
                        if (work.Memory is { Length: > 0 } memory)
                        {
                            _model.RestoreMemory(memory);
                        }
                        work.Completion.TrySetResult(default);
                        break;
                    case WorkKind.Reset:
                        _model.StartEpisode(work.AgentId);
                        work.Completion.TrySetResult(default);
                        break;
                    case WorkKind.Remove:
                        _model.Remove(work.AgentId);
                        work.Completion.TrySetResult(default);
                        break;
                    case WorkKind.Save:
                        byte[] saved = _model.SaveMemory(work.AgentId);
                        Interlocked.Increment(ref _saves);
                        work.Completion.TrySetResult(new ActOutcome(0, 0, [], 0, saved));
                        break;
                }
            }
            catch (Exception e)
            {
                work.Completion.TrySetException(e);
            }
        }
        if (observed == 0)
        {
            return;
        }
        try
        {
            _model.Step();
        }
        catch (Exception e)
        {
            foreach (Work work in _batch)
            {
                if (work.Observed)
                {
                    work.Completion.TrySetException(e);
                }
            }
            return;
        }
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _acts, observed);
        foreach (Work work in _batch)
        {
            if (!work.Observed)
            {
                continue;
            }
            try
            {
                int action = _model.Decision(work.AgentId, out float value, scratch);
                byte[]? memory = null;
                if (work.SaveMemory)
                {
                    memory = _model.SaveMemory(work.AgentId);
                    Interlocked.Increment(ref _saves);
                }
                work.Completion.TrySetResult(new ActOutcome(action, value, scratch.AsSpan(0, _model.ActionCount).ToArray(), observed, memory));
            }
            catch (Exception e)
            {
                work.Completion.TrySetException(e);
            }
        }
    }

    /// <summary>Stops the thread after the queued work and disposes the model.</summary>
    public void Dispose()
    {
        lock (_queue)
        {
            if (_stopping)
            {
                return;
            }
            _stopping = true;
            Monitor.PulseAll(_queue);
        }
        _thread.Join();
        _model.Dispose();
    }

    private enum WorkKind
    {
        Act,
        Restore,
        Reset,
        Remove,
        Save,
    }

    private sealed class Work(WorkKind kind, int agentId)
    {
        public WorkKind Kind { get; } = kind;
        public int AgentId { get; } = agentId;
        public AgentFrame? Frame { get; init; }
        public byte[]? Memory { get; init; }
        public bool SaveMemory { get; init; }
        public bool Observed { get; set; }
        public TaskCompletionSource<ActOutcome> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
