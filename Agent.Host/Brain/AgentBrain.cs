using AgentRnn.Core;
using AgentRnn.Core.Compute.Cpu;
using AgentRnn.Host.Network;
using AgentRnn.Host.Models;
using AgentRnn.Memory;
using AgentRnn.Vision;

namespace AgentRnn;

/// <summary>
/// The front door for games: one object that loads a recurrent policy (any checkpoint layout: ours, CleanRL, SB3),
/// takes each agent's frame by agent id, steps every observed agent in one batched call, and keeps each agent's
/// memory (recurrent state, frame stack and max-pool buffer) until the agent starts a new episode or is removed.
/// </summary>
/// <remarks>
/// <para>A tick of a game loop:</para>
/// <code>
/// foreach (var npc in npcs) brain.Observe(npc.Id, new GameFrame(npc.Pixels, w, h, PixelFormat.Rgba32));
/// brain.Step();                                   // one batched step of every agent observed since the last Step
/// foreach (var npc in npcs) npc.Apply(brain.ActionOf(npc.Id));
/// </code>
/// <para>Frame skip: a model trained with frame skip k (Atari: 4) forms a new observation on every k-th frame an agent
/// observes; <see cref="Step"/> steps only the agents with a new observation, and <see cref="ActionOf"/> keeps
/// returning an agent's last action in between (action repeat, as in training).</para>
/// <para>Memory: every agent's recurrent state lives in a slot of the model's network, on its device, booked by agent
/// id in the network's <see cref="StreamStateStore"/> (through <see cref="PolicyStreams"/>, as the pipeline and the env
/// runner do); the brain adds only what the store does not hold: each agent's frame stack, max-pool buffer and latest
/// decision.</para>
/// <para>Thread-safety: an AgentBrain is used by one thread at a time (every member, including the getters); it holds
/// scratch memory and per-agent buffers that a step reuses. Different brains may run on different threads. For a loop
/// that must not block, or calls from many threads, use <see cref="AsyncAgentBrain"/>, which is thread-safe.</para>
/// <para>Allocation: once every agent has been observed and stepped once, <see cref="Observe(int, in GameFrame)"/>,
/// <see cref="Step"/>, <see cref="ActionOf"/>, <see cref="DecisionOf"/>, <see cref="Act(int, in GameFrame)"/> and
/// <see cref="StartEpisode"/> allocate nothing.</para>
/// </remarks>
public sealed partial class AgentBrain : IDisposable
{
    /// <summary>The most agents one brain holds.</summary>
    public const int MaxAgents = 1 << 20;

    private readonly PolicyModel _model;
    private readonly PolicyStreams _streams;   // the network, whose slots hold every agent's recurrent state, and the store booking them by agent id
    private readonly PreprocessOptions? _preprocess;
    private readonly ActionSampler? _sampler;
    private readonly Dictionary<int, AgentEntry> _agents = [];
    private readonly byte[] _fingerprint;
    private readonly int _stateSize;
    private readonly int _inputSize;
    private AgentEntry[] _pending = [];   // agents with a new observation since the last Step
    private int _pendingCount;
    private byte[] _frames = [];         // (capacity, InputSize) uint8
    private float[] _vectors = [];       // (capacity, InputSize) float, vector models
    private long[] _streamIds = [];      // (capacity) agent id of each batch row, as a stream id
    private PolicyOutputs _outputs;
    private int _capacity;
    private bool _disposed;

    private AgentBrain(PolicyModel model, AgentBrainOptions options)
    {
        options.Validate();
        _model = model;
        PolicyNetwork network = options.Device is { } device
            ? model.CreateNetwork(device, options.InitialAgents)
            : model.CreateNetwork(new CpuDevice(new CpuDeviceOptions { Threads = options.Threads }), options.InitialAgents, ownsDevice: true);
        _streams = new PolicyStreams(network, ownsNetwork: true);
        _preprocess = model.Config.Preprocess?.ToVisionOptions();
        _sampler = options.Greedy ? null : new ActionSampler(options.Seed);
        _stateSize = model.StateSize;
        _inputSize = model.InputSize;
        Options = options;
        _fingerprint = ModelFingerprint.Hash(model);
        Model = new BrainModelInfo(model.Config, Convert.ToHexString(_fingerprint).ToLowerInvariant(), model.ParameterCount);
        _outputs = network.CreateOutputs(1);
        _pending = new AgentEntry[options.InitialAgents];
        EnsureBatch(options.InitialAgents);
    }

    /// <summary>What the model takes and returns, and its fingerprint.</summary>
    public BrainModelInfo Model { get; }

    /// <summary>The options the brain was created with.</summary>
    public AgentBrainOptions Options { get; }

    /// <summary>Number of agents the brain holds memory for.</summary>
    public int AgentCount => _agents.Count;

    /// <summary>Agents observed with a new observation since the last <see cref="Step"/> (the next step's batch).</summary>
    public int PendingCount => _pendingCount;

    /// <summary>
    /// Loads a model file: our safetensors layout, a CleanRL checkpoint, or a Stable-Baselines3 RecurrentPPO policy.
    /// A missing or malformed file throws an <see cref="AgentException"/> with one line naming the file and the fault.
    /// </summary>
    public static AgentBrain Load(string modelPath, AgentBrainOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        options ??= AgentBrainOptions.Default;
        options.Validate();
        return new AgentBrain(PolicyModel.Load(modelPath, options.Load), options);
    }

    /// <summary>
    /// The benchmark's model (NatureCNN on 4 stacked 84×84 gray frames → LSTM 256 → 6 actions) with random weights from
    /// <paramref name="seed"/>: for samples and tests, not for play.
    /// </summary>
    public static AgentBrain CreateDefault(int seed = 0, AgentBrainOptions? options = null) =>
        new(PolicyModel.CreateDefault(seed), options ?? AgentBrainOptions.Default);

    /// <summary>A brain over a model built in code (e.g. <see cref="PolicyModel.CreateRandom"/>).</summary>
    public static AgentBrain FromModel(PolicyModel model, AgentBrainOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return new AgentBrain(model, options ?? AgentBrainOptions.Default);
    }

    /// <summary>True when the brain holds memory for <paramref name="agentId"/>.</summary>
    public bool Contains(int agentId) => _agents.ContainsKey(agentId);

    /// <summary>
    /// Gives agent <paramref name="agentId"/> its next frame: any <see cref="PixelFormat"/>, any row stride, top-down
    /// or bottom-up rows (an OpenGL read-back), read in place. The frame goes through the model's preprocessing (crop,
    /// gray, resize, max-pool of the last two skipped frames, frame stack). An unknown agent is added. A frame of a new
    /// size or format restarts that agent's frame stack. Throws <see cref="InvalidOperationException"/> for a model
    /// that takes vector observations.
    /// </summary>
    public void Observe(int agentId, in GameFrame frame)
    {
        ThrowIfDisposed();
        if (_preprocess is null)
        {
            throw new InvalidOperationException("this model takes vector observations; call Observe(agentId, ReadOnlySpan<float>)");
        }
        AgentEntry agent = GetOrAdd(agentId);
        FramePreprocessor? pre = agent.Preprocessor;
        if (pre is null || pre.SourceWidth != frame.Width || pre.SourceHeight != frame.Height || pre.SourceFormat != frame.Format)
        {
            pre?.Dispose();
            pre = new FramePreprocessor(frame.Width, frame.Height, frame.Format, _preprocess);
            agent.Preprocessor = pre;
        }
        if (pre.Push(frame))
        {
            MarkPending(agent);
        }
    }

    /// <summary>
    /// Gives agent <paramref name="agentId"/> its next vector observation (models with an MLP encoder):
    /// <see cref="BrainModelInfo.ObservationShape"/>'s Channels floats, fed as they are. An unknown agent is added.
    /// </summary>
    public void Observe(int agentId, ReadOnlySpan<float> observation)
    {
        ThrowIfDisposed();
        if (_preprocess is not null)
        {
            throw new InvalidOperationException("this model takes frames; call Observe(agentId, in GameFrame)");
        }
        if (observation.Length != _inputSize)
        {
            throw new ArgumentException($"agent {agentId}: the observation has {observation.Length} floats; the model takes {_inputSize}", nameof(observation));
        }
        AgentEntry agent = GetOrAdd(agentId);
        observation.CopyTo(agent.Vector);
        MarkPending(agent);
    }

    /// <summary>
    /// Starts a new episode for <paramref name="agentId"/>: zeroes its recurrent memory and clears its frame stack and
    /// max-pool buffer, as if the agent were new. An unknown agent is added.
    /// </summary>
    public void StartEpisode(int agentId)
    {
        ThrowIfDisposed();
        AgentEntry agent = GetOrAdd(agentId);
        _streams.Store.Reset(agentId);
        agent.Preprocessor?.Reset();
        agent.Vector.AsSpan().Clear();
    }

    /// <summary>
    /// One batched step of every agent with a new observation since the last Step; their decisions are then read with
    /// <see cref="ActionOf"/> / <see cref="DecisionOf"/>. Does nothing when no agent has a new observation.
    /// </summary>
    public void Step()
    {
        ThrowIfDisposed();
        int batch = _pendingCount;
        if (batch == 0)
        {
            return;
        }
        EnsureBatch(batch);
        for (int b = 0; b < batch; b++)
        {
            AgentEntry agent = _pending[b];
            if (agent.Preprocessor is { } pre)
            {
                pre.Observation.CopyTo(_frames.AsSpan(b * _inputSize, _inputSize));
            }
            else
            {
                agent.Vector.CopyTo(_vectors.AsSpan(b * _inputSize, _inputSize));
            }
            _streamIds[b] = agent.Id;
        }
        if (_preprocess is not null)
        {
            _streams.Step(_frames.AsSpan(0, batch * _inputSize), _streamIds.AsSpan(0, batch), default, _outputs, batch);
        }
        else
        {
            _streams.Step(_vectors.AsSpan(0, batch * _inputSize), _streamIds.AsSpan(0, batch), default, _outputs, batch);
        }
        _sampler?.Sample(_outputs, batch);
        ActionSpec action = _model.Action;
        int width = action.Width;
        int dims = action.Kind == ActionKind.Box ? 0 : action.ActionDimensions;
        for (int b = 0; b < batch; b++)
        {
            AgentEntry agent = _pending[b];
            _outputs.Probabilities.AsSpan(b * width, width).CopyTo(agent.Probabilities);
            if (dims > 0)
            {
                _outputs.Actions.AsSpan(b * dims, dims).CopyTo(agent.Actions);
            }
            else
            {
                _outputs.ContinuousActions.AsSpan(b * width, width).CopyTo(agent.Continuous);
            }
            agent.Value = _outputs.Values[b];
            agent.Steps++;
            agent.Pending = false;
            _pending[b] = null!;
        }
        _pendingCount = 0;
    }

    /// <summary>The action of <paramref name="agentId"/>'s latest step (0 before its first). Throws for an unknown agent.</summary>
    public int ActionOf(int agentId)
    {
        AgentEntry agent = Require(agentId);
        return agent.Actions.Length > 0 ? agent.Actions[0] : 0;
    }

    /// <summary>The whole decision of <paramref name="agentId"/>'s latest step: action(s), value and probabilities, without allocating.</summary>
    public AgentDecision DecisionOf(int agentId)
    {
        AgentEntry agent = Require(agentId);
        return agent.Decision();
    }

    /// <summary><see cref="Observe(int, in GameFrame)"/> then <see cref="Step"/> (which also steps any other pending agents), then <see cref="ActionOf"/>.</summary>
    public int Act(int agentId, in GameFrame frame)
    {
        Observe(agentId, frame);
        Step();
        return ActionOf(agentId);
    }

    /// <summary><see cref="Observe(int, ReadOnlySpan{float})"/> then <see cref="Step"/>, then <see cref="ActionOf"/>.</summary>
    public int Act(int agentId, ReadOnlySpan<float> observation)
    {
        Observe(agentId, observation);
        Step();
        return ActionOf(agentId);
    }

    /// <summary>Forgets <paramref name="agentId"/> and its memory; returns false when the brain did not hold it.</summary>
    public bool Remove(int agentId)
    {
        ThrowIfDisposed();
        if (!_agents.Remove(agentId, out AgentEntry? agent))
        {
            return false;
        }
        if (agent.Pending)
        {
            int at = Array.IndexOf(_pending, agent, 0, _pendingCount);
            Array.Copy(_pending, at + 1, _pending, at, _pendingCount - at - 1);
            _pending[--_pendingCount] = null!;
        }
        agent.Preprocessor?.Dispose();
        _streams.Store.Remove(agentId);
        return true;
    }

    /// <summary>The ids of every agent the brain holds, in no particular order.</summary>
    public int[] AgentIds() => [.. _agents.Keys];

    /// <summary>Releases the model's memory and every agent. Safe to call twice.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (AgentEntry agent in _agents.Values)
        {
            agent.Preprocessor?.Dispose();
        }
        _agents.Clear();
        _streams.Dispose();
    }

    private AgentEntry GetOrAdd(int agentId)
    {
        if (_agents.TryGetValue(agentId, out AgentEntry? agent))
        {
            return agent;
        }
        if (_agents.Count >= MaxAgents)
        {
            throw new InvalidOperationException($"the brain holds {MaxAgents} agents, its limit; Remove agents that left the game");
        }
        _streams.Store.Add(agentId); // a zeroed slot on the network's device
        ActionSpec action = _model.Action;
        agent = new AgentEntry(agentId, action.Width, action.Kind == ActionKind.Box ? 0 : action.ActionDimensions, _preprocess is null ? _inputSize : 0);
        _agents.Add(agentId, agent);
        return agent;
    }

    private void MarkPending(AgentEntry agent)
    {
        if (agent.Pending)
        {
            return;
        }
        if (_pendingCount == _pending.Length)
        {
            Array.Resize(ref _pending, Math.Max(16, _pending.Length * 2));
        }
        _pending[_pendingCount++] = agent;
        agent.Pending = true;
    }

    private void EnsureBatch(int batch)
    {
        if (batch <= _capacity)
        {
            return;
        }
        int capacity = Math.Max(batch, _capacity * 2);
        if (_preprocess is not null)
        {
            _frames = new byte[checked(capacity * _inputSize)];
        }
        else
        {
            _vectors = new float[checked(capacity * _inputSize)];
        }
        _streamIds = new long[capacity];
        _outputs = _streams.CreateOutputs(capacity);
        _streams.Network.EnsureCapacity(capacity);
        _capacity = capacity;
    }

    private AgentEntry Require(int agentId)
    {
        ThrowIfDisposed();
        return _agents.TryGetValue(agentId, out AgentEntry? agent)
            ? agent
            : throw new ArgumentException($"agent {agentId} is not known to this brain; Observe it first", nameof(agentId));
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>One agent: its frame preprocessor and latest decision (its recurrent state is in the store's slot for <see cref="Id"/>).</summary>
    private sealed class AgentEntry
    {
        public AgentEntry(int id, int width, int dims, int vector)
        {
            Id = id;
            Probabilities = new float[width];
            Actions = new int[dims];
            Continuous = new float[dims == 0 ? width : 0];
            Vector = new float[vector];
        }

        public int Id { get; }

        public FramePreprocessor? Preprocessor { get; set; }

        public float[] Vector { get; }

        public float[] Probabilities { get; }

        public int[] Actions { get; }

        public float[] Continuous { get; }

        public float Value { get; set; }

        public long Steps { get; set; }

        public bool Pending { get; set; }

        public AgentDecision Decision() =>
            new(Id, Actions.Length > 0 ? Actions[0] : 0, Value, Probabilities, Actions, Continuous, Steps);
    }
}
