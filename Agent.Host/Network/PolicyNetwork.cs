using System.Diagnostics;
using AgentRnn.Core;
using AgentRnn.Core.Compute;
using AgentRnn.Core.Kernels;
using AgentRnn.Host.Models;
using AgentRnn.Memory;

namespace AgentRnn.Host.Network;

/// <summary>
/// The recurrent policy, defined once over a <see cref="ComputeDevice"/>: encoder (NatureCNN, IMPALA or MLP) →
/// recurrent core (and an optional critic core) → actor head and critic value. Built from a <see cref="ModelConfig"/>
/// and its tensors (every checkpoint layout maps onto those), it OWNS each stream's recurrent state in slots on its
/// device: a step takes observations, slot ids and episode starts, and writes <see cref="PolicyOutputs"/>.
/// </summary>
/// <remarks>
/// <para>A slot's state is <see cref="StateSize"/> floats: the actor core's ([h_l, c_l] per layer for LSTM, [h_l]
/// otherwise), then the critic core's when <see cref="ModelConfig.CriticMemory"/>. <see cref="ReadSlot"/> and
/// <see cref="WriteSlot"/> exchange that host form, the same on every device. A <see cref="StreamStateStore"/> books
/// stream ids into the slots (<see cref="PolicyStreams"/> pairs the two).</para>
/// <para>Sequence modes: <see cref="Step(ReadOnlySpan{byte}, ReadOnlySpan{int}, ReadOnlySpan{float}, PolicyOutputs, int)"/>
/// steps many streams one frame each (synced many-to-many); <see cref="StepSequence"/> steps one stream through many
/// frames in one call (many-to-one: read the last row; many-to-many over a clip); one-to-many generation is a Step per
/// generated frame on the same slot.</para>
/// <para>Thread-safety: one thread at a time (the network and its device share scratch memory). Allocation: after
/// <see cref="EnsureCapacity"/> and <see cref="EnsureSlots"/> cover a call, steps allocate nothing.</para>
/// </remarks>
public sealed class PolicyNetwork : IStateSlots, IDisposable
{
    private readonly NetworkEncoder _encoder;
    private readonly RecurrentLayer _memory;
    private readonly RecurrentLayer? _criticMemory;
    private readonly LinearLayer _actor;
    private readonly LinearLayer _critic;
    private readonly bool _ownsDevice;
    private readonly int _coreState;
    private DeviceBuffer<float>? _features;
    private DeviceBuffer<float>? _latent;
    private DeviceBuffer<float>? _criticLatent;
    private DeviceBuffer<float>? _logits;
    private DeviceBuffer<float>? _values;
    private readonly int[] _oneSlot = new int[1];
    private int _capacity;
    private long _encoderTicks;
    private long _memoryTicks;
    private long _headsTicks;
    private bool _disposed;

    /// <summary>
    /// Builds the network for <paramref name="config"/> on <paramref name="device"/>; <paramref name="tensor"/> returns
    /// each parameter by its name in our layout (<see cref="ModelConfig.Parameters"/>). The weights are copied onto the
    /// device. With <paramref name="ownsDevice"/> disposing the network disposes the device. Throws
    /// <see cref="ModelFormatException"/> naming a tensor that does not fit the config.
    /// </summary>
    public PolicyNetwork(ModelConfig config, Func<string, Tensor> tensor, ComputeDevice device, int slots = 0, bool ownsDevice = false)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(device);
        config.Validate();
        Config = config;
        Device = device;
        _ownsDevice = ownsDevice;
        Func<string, Tensor> Scoped(string prefix) => name => tensor(prefix + name) ?? throw new ArgumentException($"tensor '{prefix + name}' is missing");
        try
        {
            float scale = config.Preprocess?.Scale ?? PreprocessConfig.DefaultScale;
            _encoder = NetworkEncoder.Create(device, config, Scoped("encoder."), scale);
            var core = new RecurrentSpec(config.Cell, _encoder.OutputSize, config.HiddenSize, config.Layers);
            _memory = device.CreateRecurrent(core, Scoped("memory."), slots);
            _criticMemory = config.CriticMemory ? device.CreateRecurrent(core, Scoped("critic_memory."), slots) : null;
            _coreState = core.StateSize;
            Actor = PolicyHead.Create(config.Action, config.HiddenSize, Scoped("actor."));
            Critic = new ValueHead(config.HiddenSize, Scoped("critic."));
            _actor = device.CreateLinear(config.HiddenSize, config.Action.Width, Actor.Weight.Span, Actor.Bias.Span);
            _critic = device.CreateLinear(config.HiddenSize, 1, Critic.Weight.Span, Critic.Bias.Span);
        }
        catch (ArgumentException e)
        {
            throw new ModelFormatException($"model does not fit its config: {e.Message}", e);
        }
        FlopsPerFrame = _encoder.FlopsPerFrame + 2 * CoreMacs() + 2L * config.HiddenSize * (config.Action.Width + 1);
    }

    /// <summary>The architecture and preprocessing.</summary>
    public ModelConfig Config { get; }

    /// <summary>The device the network runs on.</summary>
    public ComputeDevice Device { get; }

    /// <summary>The actor head (action space, post-processing of the logits).</summary>
    public PolicyHead Actor { get; }

    /// <summary>The critic head.</summary>
    public ValueHead Critic { get; }

    /// <summary>Floats of recurrent state per slot (all cores).</summary>
    public int StateSize => Config.StateSize;

    /// <summary>Floats in one observation (C·H·W).</summary>
    public int InputSize => Config.InputSize;

    /// <summary>The action space.</summary>
    public ActionSpec Action => Config.Action;

    /// <summary>Width of the encoder's features.</summary>
    public int FeatureSize => _encoder.OutputSize;

    /// <summary>Number of slots (stream memories) the network holds.</summary>
    public int SlotCount => _memory.SlotCount;

    /// <summary>Floating-point operations per frame (2 per multiply-add of every conv, linear and recurrent matrix).</summary>
    public long FlopsPerFrame { get; }

    /// <summary>Time the steps spent in the encoder (input upload included) since the last <see cref="ResetTimes"/>.</summary>
    public TimeSpan EncoderTime => Stopwatch.GetElapsedTime(0, _encoderTicks);

    /// <summary>Time the steps spent in the recurrent cores (episode resets included).</summary>
    public TimeSpan MemoryTime => Stopwatch.GetElapsedTime(0, _memoryTicks);

    /// <summary>Time the steps spent in the heads (output download included).</summary>
    public TimeSpan HeadsTime => Stopwatch.GetElapsedTime(0, _headsTicks);

    /// <summary>Zeroes the three times.</summary>
    public void ResetTimes()
    {
        _encoderTicks = 0;
        _memoryTicks = 0;
        _headsTicks = 0;
    }

    /// <summary>Outputs shaped for this network's action space and up to <paramref name="maxBatch"/> rows.</summary>
    public PolicyOutputs CreateOutputs(int maxBatch) => new(Config.Action, maxBatch);

    /// <summary>Grows the network to at least <paramref name="slots"/> slots (new ones zeroed).</summary>
    public void EnsureSlots(int slots)
    {
        _memory.EnsureSlots(slots);
        _criticMemory?.EnsureSlots(slots);
    }

    /// <summary>Zeroes slot <paramref name="slot"/>'s state (a new episode).</summary>
    public void ResetSlot(int slot)
    {
        _memory.ResetSlot(slot);
        _criticMemory?.ResetSlot(slot);
    }

    /// <summary>Copies slot <paramref name="slot"/>'s state (<see cref="StateSize"/> floats) to the host.</summary>
    public void ReadSlot(int slot, Span<float> state)
    {
        CheckState(state.Length);
        _memory.ReadSlot(slot, state[.._coreState]);
        _criticMemory?.ReadSlot(slot, state.Slice(_coreState, _coreState));
    }

    /// <summary>Sets slot <paramref name="slot"/>'s state from <see cref="StateSize"/> host floats.</summary>
    public void WriteSlot(int slot, ReadOnlySpan<float> state)
    {
        CheckState(state.Length);
        _memory.WriteSlot(slot, state[.._coreState]);
        _criticMemory?.WriteSlot(slot, state.Slice(_coreState, _coreState));
    }

    /// <summary>Copies one slot's state over another's.</summary>
    public void CopySlot(int from, int to)
    {
        _memory.CopySlot(from, to);
        _criticMemory?.CopySlot(from, to);
    }

    /// <summary>Grows the device activations so steps (or sequences) of up to <paramref name="batch"/> rows allocate nothing.</summary>
    public void EnsureCapacity(int batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        if (batch <= _capacity)
        {
            return;
        }
        _encoder.EnsureCapacity(batch);
        Device.Grow(ref _features, checked(batch * _encoder.OutputSize));
        Device.Grow(ref _latent, checked(batch * Config.HiddenSize));
        if (_criticMemory is not null)
        {
            Device.Grow(ref _criticLatent, checked(batch * Config.HiddenSize));
        }
        Device.Grow(ref _logits, checked(batch * Config.Action.Width));
        Device.Grow(ref _values, batch);
        _capacity = batch;
    }

    /// <summary>
    /// One step on uint8 frames (batch, C, H, W), scaled by the config's preprocessing scale (1/255 by default):
    /// row b steps slot slots[b] (distinct ids below <see cref="SlotCount"/>); episodeStarts is (batch) or empty — a
    /// nonzero entry scales that slot's state by (1 − start) first; outputs receives rows 0..batch−1.
    /// </summary>
    public void Step(ReadOnlySpan<byte> frames, ReadOnlySpan<int> slots, ReadOnlySpan<float> episodeStarts, PolicyOutputs outputs, int batch)
    {
        Check(frames.Length, slots.Length, batch, episodeStarts.Length, outputs, batch);
        long start = Stopwatch.GetTimestamp();
        _encoder.Forward(frames[..(batch * InputSize)], _features!, batch);
        Recur(slots, episodeStarts, outputs, 1, batch, start);
    }

    /// <summary>One step on float observations (batch, InputSize), fed to the encoder as they are; see the uint8 overload.</summary>
    public void Step(ReadOnlySpan<float> observations, ReadOnlySpan<int> slots, ReadOnlySpan<float> episodeStarts, PolicyOutputs outputs, int batch)
    {
        Check(observations.Length, slots.Length, batch, episodeStarts.Length, outputs, batch);
        long start = Stopwatch.GetTimestamp();
        _encoder.Forward(observations[..(batch * InputSize)], _features!, batch);
        Recur(slots, episodeStarts, outputs, 1, batch, start);
    }

    /// <summary>
    /// Steps slot <paramref name="slot"/> through <paramref name="steps"/> consecutive uint8 frames (steps, C, H, W) in one
    /// call: the encoder runs once over all of them, the cores step frame by frame, the heads run over all rows.
    /// episodeStarts is (steps) or empty; outputs receives one row per frame. Equals <paramref name="steps"/> Steps at batch 1.
    /// </summary>
    public void StepSequence(ReadOnlySpan<byte> frames, int slot, ReadOnlySpan<float> episodeStarts, PolicyOutputs outputs, int steps)
    {
        _oneSlot[0] = slot;
        Check(frames.Length, 1, 1, episodeStarts.Length, outputs, steps);
        long start = Stopwatch.GetTimestamp();
        _encoder.Forward(frames[..(steps * InputSize)], _features!, steps);
        Recur(_oneSlot, episodeStarts, outputs, steps, 1, start);
    }

    /// <summary>Releases the network's layers and buffers, or the whole device when the network owns it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (_ownsDevice)
        {
            Device.Dispose();
            return;
        }
        // A device the caller owns outlives the network: release what the network put on it.
        _encoder.Dispose();
        _memory.Dispose();
        _criticMemory?.Dispose();
        _actor.Dispose();
        _critic.Dispose();
        foreach (IDisposable? buffer in new IDisposable?[] { _features, _latent, _criticLatent, _logits, _values })
        {
            buffer?.Dispose();
        }
    }

    // features (steps·batch, F) are on the device; runs the cores over steps×batch and the heads over all rows.
    private void Recur(ReadOnlySpan<int> slots, ReadOnlySpan<float> episodeStarts, PolicyOutputs outputs, int steps, int batch, long start)
    {
        int rows = steps * batch;
        long encoded = Stopwatch.GetTimestamp();
        _encoderTicks += encoded - start;
        int hidden = Config.HiddenSize;
        _memory.Sequence(_features!.Slice(0, rows * _encoder.OutputSize), slots[..batch], episodeStarts, _latent!.Slice(0, rows * hidden), steps, batch);
        _criticMemory?.Sequence(_features!.Slice(0, rows * _encoder.OutputSize), slots[..batch], episodeStarts, _criticLatent!.Slice(0, rows * hidden), steps, batch);
        long remembered = Stopwatch.GetTimestamp();
        _memoryTicks += remembered - encoded;
        int width = Config.Action.Width;
        _actor.Forward(_latent!.Slice(0, rows * hidden), _logits!, rows);
        _critic.Forward((_criticLatent ?? _latent)!.Slice(0, rows * hidden), _values!, rows);
        _logits!.Read(outputs.Logits.AsSpan(0, rows * width));
        _values!.Read(outputs.Values.AsSpan(0, rows));
        Actor.FromLogits(outputs, rows);
        _headsTicks += Stopwatch.GetTimestamp() - remembered;
    }

    // rows = steps × slots needed; episode starts are one per row.
    private void Check(int inputLength, int slotCount, int slotsNeeded, int startsLength, PolicyOutputs outputs, int rows)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(outputs);
        outputs.CheckBatch(rows);
        if (outputs.Action.Kind != Config.Action.Kind || outputs.Width != Config.Action.Width)
        {
            throw new ArgumentException($"outputs are shaped for {outputs.Action}, the model serves {Config.Action}");
        }
        if (rows <= 0 || inputLength < (long)rows * InputSize || slotCount < slotsNeeded || (startsLength != 0 && startsLength < rows))
        {
            throw new ArgumentException(
                $"policy step of {rows} rows: input has {inputLength} (needs {(long)rows * InputSize}), {slotCount} slot ids (needs {slotsNeeded}), "
                + $"episodeStarts {startsLength} (needs 0 or {rows})");
        }
        EnsureCapacity(rows);
    }

    private void CheckState(int length)
    {
        if (length < StateSize)
        {
            throw new ArgumentException($"a slot's state is {StateSize} floats, the span holds {length}");
        }
    }

    // Multiply-adds of every recurrent core's input and hidden matrices per stream and step.
    private long CoreMacs()
    {
        int gates = Config.Cell switch { Core.Recurrent.CellKind.Lstm => 4, Core.Recurrent.CellKind.Gru => 3, _ => 1 };
        long macs = 0;
        for (int l = 0; l < Config.Layers; l++)
        {
            macs += (long)((l == 0 ? _encoder.OutputSize : Config.HiddenSize) + Config.HiddenSize) * gates * Config.HiddenSize;
        }
        return macs * (Config.CriticMemory ? 2 : 1);
    }
}
