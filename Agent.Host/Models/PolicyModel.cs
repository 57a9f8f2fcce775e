using System.Diagnostics;
using AgentRnn.Core;
using AgentRnn.Memory;
using AgentRnn.Vision.Encoders;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Host.Models;

/// <summary>
/// A recurrent policy: encoder → memory (and an optional critic memory) → actor head and critic value, stepped for
/// a batch of streams at once. Recurrent state lives with the caller as <see cref="StateSize"/> floats per stream:
/// the actor core's state ([h_l, c_l] per layer, as <see cref="RecurrentCore"/>), then the critic core's when
/// <see cref="ModelConfig.CriticMemory"/>. A zeroed state is PyTorch's initial state.
/// </summary>
/// <remarks>
/// Each step first resets streams as state·(1 − episode_start), like CleanRL and SB3, then runs the networks.
/// After <see cref="EnsureCapacity"/> (or the first step at a given batch) steps allocate nothing.
/// Thread-safety: the model owns scratch memory; one thread steps a given instance at a time. Weights are never
/// mutated, so instances built from the same file may run concurrently.
/// </remarks>
public sealed partial class PolicyModel
{
    private readonly Dictionary<string, Tensor> _parameters;
    private float[] _input = [];
    private float[] _features = [];
    private float[] _latent = [];
    private float[] _criticLatent = [];
    private float[] _actorState = [];
    private float[] _criticState = [];
    private int _capacity;

    // Stopwatch ticks spent in each part of Step since construction or ResetTimes: three timestamps per step.
    private long _encoderTicks;
    private long _memoryTicks;
    private long _headsTicks;

    /// <summary>
    /// Builds a model for <paramref name="config"/>; <paramref name="tensor"/> returns each parameter by its name in
    /// our layout (<see cref="ModelConfig.Parameters"/>). Throws <see cref="ModelFormatException"/> naming a tensor
    /// whose shape differs from the config's.
    /// </summary>
    public PolicyModel(ModelConfig config, Func<string, Tensor> tensor)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tensor);
        config.Validate();
        Config = config;
        _parameters = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (ParameterSpec p in config.Parameters())
        {
            Tensor t = tensor(p.Name) ?? throw new ModelFormatException($"tensor '{p.Name}' is missing; expected shape {p.ShapeString}");
            if (!t.Shape.SequenceEqual(p.Shape))
            {
                throw new ModelFormatException($"tensor '{p.Name}' has shape {t.ShapeString}, expected {p.ShapeString}");
            }
            _parameters.Add(p.Name, t);
        }
        try
        {
            Encoder = CreateEncoder(config, Scoped("encoder."));
            Memory = RecurrentCore.Create(config.Cell, Encoder.OutputSize, config.HiddenSize, config.Layers, Scoped("memory."));
            CriticMemory = config.CriticMemory
                ? RecurrentCore.Create(config.Cell, Encoder.OutputSize, config.HiddenSize, config.Layers, Scoped("critic_memory."))
                : null;
            Actor = PolicyHead.Create(config.Action, config.HiddenSize, Scoped("actor."));
            Critic = new ValueHead(config.HiddenSize, Scoped("critic."));
        }
        catch (ArgumentException e)
        {
            throw new ModelFormatException($"model does not fit its config: {e.Message}", e);
        }
    }

    /// <summary>The architecture and preprocessing.</summary>
    public ModelConfig Config { get; }

    /// <summary>The encoder (NatureCnn, ImpalaCnn or <see cref="MlpEncoder"/>).</summary>
    public Encoder Encoder { get; }

    /// <summary>The actor's recurrent core.</summary>
    public RecurrentCore Memory { get; }

    /// <summary>The critic's own recurrent core, or null when the critic reads the actor's.</summary>
    public RecurrentCore? CriticMemory { get; }

    /// <summary>The actor head.</summary>
    public PolicyHead Actor { get; }

    /// <summary>The critic head.</summary>
    public ValueHead Critic { get; }

    /// <summary>Floats of recurrent state per stream (all cores).</summary>
    public int StateSize => Config.StateSize;

    /// <summary>The action space.</summary>
    public ActionSpec Action => Config.Action;

    /// <summary>Actor outputs per stream: n for Discrete, Σ nvec for MultiDiscrete, the vector length for Box.</summary>
    public int ActionCount => Config.Action.Width;

    /// <summary>Floats in one observation (C·H·W).</summary>
    public int InputSize => Config.InputSize;

    /// <summary>Every parameter under its name in our layout (the tensors <see cref="Save"/> writes).</summary>
    public IReadOnlyDictionary<string, Tensor> Parameters => _parameters;

    /// <summary>Total number of parameters.</summary>
    public long ParameterCount => _parameters.Values.Sum(t => (long)t.Length);

    /// <summary>
    /// Floating-point operations per frame (one stream, one step), 2 per multiply-add: the encoder's convolutions
    /// and linear layers, every recurrent core's input and hidden matrices, and the actor and critic layers.
    /// Biases, activations, gate nonlinearities and softmax are not counted.
    /// </summary>
    public long FlopsPerFrame =>
        Encoder.FlopsPerFrame + Memory.FlopsPerStep + (CriticMemory?.FlopsPerStep ?? 0) + 2L * Config.HiddenSize * (Action.Width + 1);

    /// <summary>Time <see cref="Step(ReadOnlySpan{byte}, Span{float}, ReadOnlySpan{float}, PolicyOutputs, int)"/> spent in the encoder (input scaling included) since the last <see cref="ResetTimes"/>.</summary>
    public TimeSpan EncoderTime => Stopwatch.GetElapsedTime(0, _encoderTicks);

    /// <summary>Time steps spent in the recurrent cores (episode resets and state gathers included).</summary>
    public TimeSpan MemoryTime => Stopwatch.GetElapsedTime(0, _memoryTicks);

    /// <summary>Time steps spent in the actor and critic heads.</summary>
    public TimeSpan HeadsTime => Stopwatch.GetElapsedTime(0, _headsTicks);

    /// <summary>Zeroes <see cref="EncoderTime"/>, <see cref="MemoryTime"/> and <see cref="HeadsTime"/>; call it between steps, from the stepping thread.</summary>
    public void ResetTimes()
    {
        _encoderTicks = 0;
        _memoryTicks = 0;
        _headsTicks = 0;
    }

    /// <summary>Outputs shaped for this model's action space and up to <paramref name="maxBatch"/> streams.</summary>
    public PolicyOutputs CreateOutputs(int maxBatch) => new(Config.Action, maxBatch);

    /// <summary>Grows all scratch memory once, so steps of up to <paramref name="batch"/> streams allocate nothing.</summary>
    public void EnsureCapacity(int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        if (batch <= _capacity)
        {
            return;
        }
        _features = new float[batch * Encoder.OutputSize];
        _latent = new float[batch * Config.HiddenSize];
        if (Config.Preprocess is { } p && p.Scale != PreprocessConfig.DefaultScale)
        {
            _input = new float[batch * Config.InputSize];
        }
        if (CriticMemory is not null)
        {
            _criticLatent = new float[batch * Config.HiddenSize];
            _actorState = new float[batch * Config.CoreStateSize];
            _criticState = new float[batch * Config.CoreStateSize];
            CriticMemory.EnsureCapacity(batch);
        }
        Memory.EnsureCapacity(batch);
        if (Encoder is MlpEncoder mlp)
        {
            mlp.EnsureCapacity(batch);
        }
        _capacity = batch;
    }

    /// <summary>
    /// One step on uint8 frames. frames is (batch, C, H, W), scaled by the config's preprocessing scale (1/255 by
    /// default); state is (batch, StateSize), updated in place; episodeStarts is (batch) with 1 where a stream's
    /// episode starts (its state is zeroed first), or empty for no resets; outputs receives rows 0..batch−1.
    /// </summary>
    public void Step(ReadOnlySpan<byte> frames, Span<float> state, ReadOnlySpan<float> episodeStarts, PolicyOutputs outputs, int batch)
    {
        CheckStep(frames.Length, state.Length, episodeStarts.Length, outputs, batch);
        EnsureCapacity(batch);
        long start = Stopwatch.GetTimestamp();
        Encode(frames, batch);
        Recur(state, episodeStarts, outputs, batch, start);
    }

    /// <summary>
    /// One step on float observations, fed to the encoder as they are (no scaling): vector observations for MLP
    /// encoders, or already-scaled frames. observations is (batch, InputSize); the rest as the uint8 overload.
    /// </summary>
    public void Step(ReadOnlySpan<float> observations, Span<float> state, ReadOnlySpan<float> episodeStarts, PolicyOutputs outputs, int batch)
    {
        CheckStep(observations.Length, state.Length, episodeStarts.Length, outputs, batch);
        EnsureCapacity(batch);
        long start = Stopwatch.GetTimestamp();
        Encoder.Forward(observations, _features, batch);
        Recur(state, episodeStarts, outputs, batch, start);
    }

    /// <summary>
    /// Steps one stream through <paramref name="steps"/> consecutive frames: the encoder runs once over all of them
    /// (batch = steps, so its weights are read once per call, not once per frame), then the cores step frame by frame
    /// and the heads run over all. frames is (steps, InputSize) uint8 in frame order; state is (StateSize), updated in
    /// place through every frame; episodeStarts is empty or (steps): a nonzero entry scales the state by (1 − start)
    /// before that frame; outputs holds (steps) rows. Equals <paramref name="steps"/> calls of
    /// <see cref="Step(ReadOnlySpan{byte}, Span{float}, ReadOnlySpan{float}, PolicyOutputs, int)"/> at batch 1 up to float
    /// rounding. Allocates nothing once the capacity covers <paramref name="steps"/>.
    /// </summary>
    public void StepSequence(ReadOnlySpan<byte> frames, Span<float> state, ReadOnlySpan<float> episodeStarts, PolicyOutputs outputs, int steps)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        outputs.CheckBatch(steps);
        if (frames.Length < (long)steps * InputSize || state.Length < StateSize || (episodeStarts.Length != 0 && episodeStarts.Length < steps))
        {
            throw new ArgumentException(
                $"policy sequence of {steps} frames: input has {frames.Length} (needs {(long)steps * InputSize}), state {state.Length} (needs {StateSize}), "
                + $"episodeStarts {episodeStarts.Length} (needs 0 or {steps})");
        }
        EnsureCapacity(steps);
        long start = Stopwatch.GetTimestamp();
        Encode(frames, steps);
        long encoded = Stopwatch.GetTimestamp();
        _encoderTicks += encoded - start;
        int features = Encoder.OutputSize;
        int hidden = Config.HiddenSize;
        Span<float> stream = state.Slice(0, StateSize);
        for (int t = 0; t < steps; t++)
        {
            if (!episodeStarts.IsEmpty && episodeStarts[t] != 0f)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(stream, 1f - episodeStarts[t], stream);
            }
            Remember(_features.AsSpan(t * features, features), stream, _latent.AsSpan(t * hidden, hidden),
                CriticMemory is null ? default : _criticLatent.AsSpan(t * hidden, hidden), 1);
        }
        Heads(outputs, steps, encoded);
    }

    /// <summary>Zeroes the state of the streams whose episode starts: state[b] ← state[b]·(1 − episodeStarts[b]).</summary>
    public void ResetStates(Span<float> state, ReadOnlySpan<float> episodeStarts, int batch)
    {
        int size = StateSize;
        if (batch < 0 || episodeStarts.Length < batch || state.Length < (long)batch * size)
        {
            throw new ArgumentException($"reset at batch {batch}: episodeStarts has {episodeStarts.Length} floats, state {state.Length} (needs {(long)batch * size})");
        }
        for (int b = 0; b < batch; b++)
        {
            float start = episodeStarts[b];
            if (start != 0f)
            {
                Span<float> row = state.Slice(b * size, size);
                System.Numerics.Tensors.TensorPrimitives.Multiply(row, 1f - start, row);
            }
        }
    }

    // features (batch, F) are in _features, computed since the timestamp start; runs the cores and heads.
    private void Recur(Span<float> state, ReadOnlySpan<float> episodeStarts, PolicyOutputs outputs, int batch, long start)
    {
        long encoded = Stopwatch.GetTimestamp();
        _encoderTicks += encoded - start;
        if (!episodeStarts.IsEmpty)
        {
            ResetStates(state, episodeStarts, batch);
        }
        Remember(_features, state.Slice(0, batch * StateSize), _latent, _criticLatent, batch);
        Heads(outputs, batch, encoded);
    }

    // The heads over latent rows (batch, H) into outputs; the memory time runs from encoded to now.
    private void Heads(PolicyOutputs outputs, int batch, long encoded)
    {
        long remembered = Stopwatch.GetTimestamp();
        _memoryTicks += remembered - encoded;
        Actor.Forward(_latent, outputs, batch);
        Critic.Forward(CriticMemory is null ? _latent : _criticLatent, outputs.Values, batch);
        _headsTicks += Stopwatch.GetTimestamp() - remembered;
    }

    // frames (batch, InputSize) uint8 → _features (batch, F), with the config's input scale when it is not 1/255.
    private void Encode(ReadOnlySpan<byte> frames, int batch)
    {
        if (Config.Preprocess is { } p && p.Scale != PreprocessConfig.DefaultScale)
        {
            Span<float> x = _input.AsSpan(0, batch * InputSize);
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = frames[i] * p.Scale;
            }
            Encoder.Forward(x, _features, batch);
        }
        else
        {
            Encoder.Forward(frames, _features, batch);
        }
    }

    // The cores: features (batch, F) and state (batch, StateSize) → latent (batch, H), and with a critic core
    // criticLatent (batch, H); the state is updated in place.
    private void Remember(ReadOnlySpan<float> features, Span<float> state, Span<float> latent, Span<float> criticLatent, int batch)
    {
        if (CriticMemory is null)
        {
            Memory.Step(features, state, latent, batch);
            return;
        }
        // Per stream the state is [actor core | critic core]; each core wants its own contiguous (batch, S) block.
        int size = StateSize;
        int core = Config.CoreStateSize;
        for (int b = 0; b < batch; b++)
        {
            state.Slice(b * size, core).CopyTo(_actorState.AsSpan(b * core, core));
            state.Slice(b * size + core, core).CopyTo(_criticState.AsSpan(b * core, core));
        }
        Memory.Step(features, _actorState.AsSpan(0, batch * core), latent, batch);
        CriticMemory.Step(features, _criticState.AsSpan(0, batch * core), criticLatent, batch);
        for (int b = 0; b < batch; b++)
        {
            _actorState.AsSpan(b * core, core).CopyTo(state.Slice(b * size, core));
            _criticState.AsSpan(b * core, core).CopyTo(state.Slice(b * size + core, core));
        }
    }

    private void CheckStep(int inputLength, int stateLength, int startsLength, PolicyOutputs outputs, int batch)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        outputs.CheckBatch(batch);
        if (outputs.Action.Kind != Config.Action.Kind || outputs.Width != Config.Action.Width)
        {
            throw new ArgumentException($"outputs are shaped for {outputs.Action}, the model serves {Config.Action}");
        }
        if (inputLength < (long)batch * InputSize || stateLength < (long)batch * StateSize || (startsLength != 0 && startsLength < batch))
        {
            throw new ArgumentException(
                $"policy step at batch {batch}: input has {inputLength} (needs {(long)batch * InputSize}), state {stateLength} (needs {(long)batch * StateSize}), "
                + $"episodeStarts {startsLength} (needs 0 or {batch})");
        }
    }

    private Func<string, Tensor> Scoped(string prefix) => name =>
        _parameters.TryGetValue(prefix + name, out Tensor? t) ? t : throw new ArgumentException($"tensor '{prefix + name}' is not part of the config");

    private static Encoder CreateEncoder(ModelConfig config, Func<string, Tensor> tensor) => config.Encoder switch
    {
        EncoderKind.NatureCnn => new NatureCnn(config.Channels, config.Height, config.Width, tensor),
        EncoderKind.Impala => new ImpalaCnn(config.Channels, config.Height, config.Width, tensor),
        _ => new MlpEncoder(config.Channels, config.MlpLayers, config.MlpActivation, tensor),
    };
}
