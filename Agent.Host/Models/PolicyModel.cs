using AgentRnn.Core;
using AgentRnn.Core.Compute;
using AgentRnn.Core.Compute.Cpu;
using AgentRnn.Core.Kernels;
using AgentRnn.Host.Network;

namespace AgentRnn.Host.Models;

/// <summary>
/// A recurrent policy's parameters and their <see cref="PolicyNetwork"/> on the CPU device, stepped with the state held
/// by the caller: <see cref="StateSize"/> floats per stream, the actor core's state ([h_l, c_l] per layer) then the
/// critic core's when <see cref="ModelConfig.CriticMemory"/>. A zeroed state is PyTorch's initial state. For state
/// owned by the network (slots, on any device) use <see cref="Network"/> or <see cref="CreateNetwork"/>.
/// </summary>
/// <remarks>
/// Each step first resets streams as state·(1 − episode_start), like CleanRL and SB3, then runs the network.
/// After <see cref="EnsureCapacity"/> (or the first step at a given batch) steps allocate nothing.
/// Thread-safety: the model owns scratch memory; one thread steps a given instance at a time. Weights are never
/// mutated, so instances built from the same file may run concurrently.
/// </remarks>
public sealed partial class PolicyModel
{
    private readonly Dictionary<string, Tensor> _parameters;
    private readonly Lazy<PolicyNetwork> _network;
    private int[] _identity = [];

    /// <summary>
    /// Builds a model for <paramref name="config"/>; <paramref name="tensor"/> returns each parameter by its name in
    /// our layout (<see cref="ModelConfig.Parameters"/>). Throws <see cref="ModelFormatException"/> naming a tensor
    /// whose shape differs from the config's. <paramref name="cpu"/> sets this model's CPU devices (threads, weight
    /// precision; <see cref="CpuOptions"/>); by default every kernel thread and the weight precision in force on the
    /// constructing thread.
    /// </summary>
    public PolicyModel(ModelConfig config, Func<string, Tensor> tensor, CpuDeviceOptions? cpu = null)
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
        cpu ??= CpuDeviceOptions.Default;
        cpu.Validate();
        // The precision is resolved now, so networks created later (or on other threads) pack the weights the same way.
        CpuOptions = cpu with { WeightPrecision = cpu.WeightPrecision ?? LinearPrecision.Current };
        _network = new Lazy<PolicyNetwork>(() => CreateCpuNetwork(0), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>
    /// The settings of this model's CPU devices (<see cref="Network"/>'s and <see cref="CreateCpuNetwork"/>'s): the most
    /// kernel threads a layer call uses, and the weight precision. Per instance: two models in one process may differ.
    /// </summary>
    public CpuDeviceOptions CpuOptions { get; }

    /// <summary>The architecture and preprocessing.</summary>
    public ModelConfig Config { get; }

    /// <summary>The network this model steps (on a CPU device of its own with <see cref="CpuOptions"/>; built at first use).</summary>
    public PolicyNetwork Network => _network.Value;

    /// <summary>The actor head.</summary>
    public PolicyHead Actor => Network.Actor;

    /// <summary>The critic head.</summary>
    public ValueHead Critic => Network.Critic;

    /// <summary>Floats of recurrent state per stream (all cores).</summary>
    public int StateSize => Config.StateSize;

    /// <summary>The action space.</summary>
    public ActionSpec Action => Config.Action;

    /// <summary>Actor outputs per stream: n for Discrete, Σ nvec for MultiDiscrete, the vector length for Box.</summary>
    public int ActionCount => Config.Action.Width;

    /// <summary>Floats in one observation (C·H·W).</summary>
    public int InputSize => Config.InputSize;

    /// <summary>Width of the encoder's features.</summary>
    public int FeatureSize => Network.FeatureSize;

    /// <summary>Every parameter under its name in our layout (the tensors <see cref="Save"/> writes).</summary>
    public IReadOnlyDictionary<string, Tensor> Parameters => _parameters;

    /// <summary>Total number of parameters.</summary>
    public long ParameterCount => _parameters.Values.Sum(t => (long)t.Length);

    /// <summary>
    /// Floating-point operations per frame (one stream, one step), 2 per multiply-add: the encoder's convolutions
    /// and linear layers, every recurrent core's input and hidden matrices, and the actor and critic layers.
    /// Biases, activations, gate nonlinearities and softmax are not counted.
    /// </summary>
    public long FlopsPerFrame => Network.FlopsPerFrame;

    /// <summary>Time the steps spent in the encoder (input scaling included) since the last <see cref="ResetTimes"/>.</summary>
    public TimeSpan EncoderTime => Network.EncoderTime;

    /// <summary>Time steps spent in the recurrent cores (episode resets and state moves included).</summary>
    public TimeSpan MemoryTime => Network.MemoryTime;

    /// <summary>Time steps spent in the actor and critic heads.</summary>
    public TimeSpan HeadsTime => Network.HeadsTime;

    /// <summary>Zeroes <see cref="EncoderTime"/>, <see cref="MemoryTime"/> and <see cref="HeadsTime"/>; call it between steps, from the stepping thread.</summary>
    public void ResetTimes() => Network.ResetTimes();

    /// <summary>
    /// Another network with these parameters on <paramref name="device"/> with <paramref name="slots"/> zeroed state
    /// slots (the CPU device, or an accelerator). With <paramref name="ownsDevice"/> the network disposes the device.
    /// </summary>
    public PolicyNetwork CreateNetwork(ComputeDevice device, int slots = 0, bool ownsDevice = false) =>
        new(Config, name => _parameters.TryGetValue(name, out Tensor? t) ? t : null!, device, slots, ownsDevice);

    /// <summary>
    /// This model's parameters (shared, not copied: weights are never mutated) with other CPU settings, e.g. another
    /// thread count. A weight precision left null in <paramref name="cpu"/> keeps this model's.
    /// </summary>
    public PolicyModel WithCpu(CpuDeviceOptions cpu)
    {
        ArgumentNullException.ThrowIfNull(cpu);
        return new PolicyModel(Config, name => _parameters[name], cpu with { WeightPrecision = cpu.WeightPrecision ?? CpuOptions.WeightPrecision });
    }

    /// <summary>
    /// A network with these parameters on a new CPU device with <see cref="CpuOptions"/>, which it owns, and
    /// <paramref name="slots"/> zeroed state slots: e.g. for <see cref="PolicyStreams"/>, apart from <see cref="Network"/>.
    /// </summary>
    public PolicyNetwork CreateCpuNetwork(int slots = 0) => CreateNetwork(new CpuDevice(CpuOptions), slots, ownsDevice: true);

    /// <summary>Outputs shaped for this model's action space and up to <paramref name="maxBatch"/> streams.</summary>
    public PolicyOutputs CreateOutputs(int maxBatch) => new(Config.Action, maxBatch);

    /// <summary>Grows all scratch memory once, so steps of up to <paramref name="batch"/> streams allocate nothing.</summary>
    public void EnsureCapacity(int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        Network.EnsureCapacity(batch);
        Network.EnsureSlots(batch);
        if (_identity.Length < batch)
        {
            _identity = new int[batch];
            for (int i = 0; i < batch; i++)
            {
                _identity[i] = i;
            }
        }
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
        Load(state, batch);
        Network.Step(frames, _identity.AsSpan(0, batch), episodeStarts, outputs, batch);
        Store(state, batch);
    }

    /// <summary>
    /// One step on float observations, fed to the encoder as they are (no scaling): vector observations for MLP
    /// encoders, or already-scaled frames. observations is (batch, InputSize); the rest as the uint8 overload.
    /// </summary>
    public void Step(ReadOnlySpan<float> observations, Span<float> state, ReadOnlySpan<float> episodeStarts, PolicyOutputs outputs, int batch)
    {
        CheckStep(observations.Length, state.Length, episodeStarts.Length, outputs, batch);
        EnsureCapacity(batch);
        Load(state, batch);
        Network.Step(observations, _identity.AsSpan(0, batch), episodeStarts, outputs, batch);
        Store(state, batch);
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
        EnsureCapacity(Math.Max(steps, 1));
        Load(state, 1);
        Network.StepSequence(frames, 0, episodeStarts, outputs, steps);
        Store(state, 1);
    }

    // The caller's state rows into slots 0..batch−1, and back after the step.
    private void Load(ReadOnlySpan<float> state, int batch)
    {
        int size = StateSize;
        for (int b = 0; b < batch; b++)
        {
            Network.WriteSlot(b, state.Slice(b * size, size));
        }
    }

    private void Store(Span<float> state, int batch)
    {
        int size = StateSize;
        for (int b = 0; b < batch; b++)
        {
            Network.ReadSlot(b, state.Slice(b * size, size));
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
}
