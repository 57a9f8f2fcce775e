using AgentRnn.Core;
using AgentRnn.Core.Compute;
using AgentRnn.Core.Compute.Network;
using AgentRnn.Host.Models;

namespace AgentRnn.Host.Accelerated;

/// <summary>
/// A <see cref="PolicyModel"/> run on a compute device: its <see cref="DevicePolicyNetwork"/> keeps the weights and
/// every stream's recurrent state on the device, and the actor's distribution (softmax, argmax, Gaussian std) is
/// finished on the host into the same <see cref="PolicyOutputs"/> that <see cref="PolicyModel.Step(ReadOnlySpan{byte}, Span{float}, ReadOnlySpan{float}, PolicyOutputs, int)"/> fills.
/// </summary>
/// <remarks>
/// Streams live in slots 0..<see cref="Capacity"/>−1; a step names each row's slot, so a stream's state never leaves
/// the device between steps and a step uploads only the new observations. A slot's state starts at zero and is reset
/// by an episode start (state·(1 − start) before the step), as on the CPU path. Thread-safety: one thread at a time.
/// Steps allocate nothing.
/// </remarks>
public sealed class DevicePolicy : IDisposable
{
    private readonly DevicePolicyNetwork _network;
    private readonly ComputeDevice? _ownedDevice;
    private readonly float[] _raw;     // (Capacity, Width + 1): actor outputs then value, as the network returns them
    private readonly float[] _scaled;  // (Capacity, ObservationSize) frames × scale, when there is no convolution to scale them
    private readonly float[] _std;     // (Width) exp(log_std) for a Box actor; empty otherwise
    private bool _disposed;

    /// <summary>
    /// Uploads <paramref name="model"/> to <paramref name="device"/> for up to <paramref name="capacity"/> streams.
    /// The caller keeps ownership of the device, which must outlive this policy.
    /// </summary>
    /// <exception cref="AgentException">The model has no device kernels (IMPALA encoder or vanilla RNN core).</exception>
    public DevicePolicy(PolicyModel model, ComputeDevice device, int capacity)
        : this(model, device, capacity, ownsDevice: false)
    {
    }

    private DevicePolicy(PolicyModel model, ComputeDevice device, int capacity, bool ownsDevice)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        PolicyNetworkSpec spec = model.ToNetworkSpec();
        _network = new DevicePolicyNetwork(device, spec, capacity);
        _ownedDevice = ownsDevice ? device : null;
        Action = model.Action;
        TakesFrames = model.Config.Preprocess is not null;
        _raw = new float[capacity * _network.OutputSize];
        _scaled = spec.Convolutions.Count == 0 && model.Config.Preprocess is not null ? new float[capacity * _network.ObservationSize] : [];
        _std = model.Action.Kind == ActionKind.Box ? [.. model.Parameters["actor.log_std"].Data.Select(MathF.Exp)] : [];
    }

    /// <summary>
    /// Opens device <paramref name="device"/> of <paramref name="backend"/> and uploads <paramref name="model"/> to it;
    /// the policy owns the device and closes it on <see cref="Dispose"/>. A model without device kernels is refused
    /// before the device is opened.
    /// </summary>
    /// <exception cref="ComputeBackendException">No runtime, or no such device (one line).</exception>
    /// <exception cref="AgentException">The model has no device kernels.</exception>
    public static DevicePolicy Open(PolicyModel model, ComputeBackendKind backend, int device, int capacity)
    {
        ArgumentNullException.ThrowIfNull(model);
        // Refuse a model without device kernels before opening the device, which builds the kernels.
        model.ToNetworkSpec();
        ComputeDevice opened = ComputeBackend.Open(backend, device);
        try
        {
            return new DevicePolicy(model, opened, capacity, ownsDevice: true);
        }
        catch
        {
            opened.Dispose();
            throw;
        }
    }

    /// <summary>The device the network runs on.</summary>
    public ComputeDevice Device => _network.Device;

    /// <summary>The action space served.</summary>
    public ActionSpec Action { get; }

    /// <summary>True when the model takes uint8 frames (it has a preprocessing config), false for vector observations.</summary>
    public bool TakesFrames { get; }

    /// <summary>Streams (slots) the device holds state for, and the largest batch.</summary>
    public int Capacity => _network.Capacity;

    /// <summary>Elements of one observation (C·H·W).</summary>
    public int ObservationSize => _network.ObservationSize;

    /// <summary>Floats of recurrent state per slot, in PolicyModel's layout.</summary>
    public int StateSize => _network.StateSize;

    /// <summary>
    /// One step on uint8 frames (batch, C, H, W), scaled by the model's preprocessing scale. Row b belongs to slot
    /// slots[b] (distinct, any order); episodeStarts is (batch) or empty; outputs receives rows 0..batch−1.
    /// </summary>
    public void Step(ReadOnlySpan<byte> frames, ReadOnlySpan<int> slots, ReadOnlySpan<float> episodeStarts, PolicyOutputs outputs, int batch)
    {
        CheckOutputs(outputs, batch);
        if (_scaled.Length > 0)
        {
            // An MLP over frames: no convolution on the device applies the scale, so it is applied here.
            Span<float> x = _scaled.AsSpan(0, batch * ObservationSize);
            float scale = _network.FrameScale;
            ReadOnlySpan<byte> source = frames.Slice(0, x.Length);
            for (int i = 0; i < x.Length; i++)
            {
                x[i] = source[i] * scale;
            }
            _network.Step(x, slots, episodeStarts, _raw, batch);
        }
        else
        {
            _network.Step(frames, slots, episodeStarts, _raw, batch);
        }
        Finish(outputs, batch);
    }

    /// <summary>As the frame overload, for float observations (batch, ObservationSize) fed to the encoder as they are.</summary>
    public void Step(ReadOnlySpan<float> observations, ReadOnlySpan<int> slots, ReadOnlySpan<float> episodeStarts, PolicyOutputs outputs, int batch)
    {
        CheckOutputs(outputs, batch);
        _network.Step(observations, slots, episodeStarts, _raw, batch);
        Finish(outputs, batch);
    }

    /// <summary>Copies slot's state (StateSize floats) out of the device.</summary>
    public void ReadState(int slot, Span<float> state) => _network.ReadState(slot, state);

    /// <summary>Replaces slot's state (StateSize floats) on the device, e.g. to resume a stream saved from the CPU path.</summary>
    public void WriteState(int slot, ReadOnlySpan<float> state) => _network.WriteState(slot, state);

    /// <summary>Releases the network's buffers, and the device when this policy opened it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _network.Dispose();
        _ownedDevice?.Dispose();
    }

    private void CheckOutputs(PolicyOutputs outputs, int batch)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ObjectDisposedException.ThrowIf(_disposed, this);
        outputs.CheckBatch(batch);
        if (outputs.Action.Kind != Action.Kind || outputs.Width != Action.Width)
        {
            throw new ArgumentException($"outputs are shaped for {outputs.Action}, the policy serves {Action}");
        }
    }

    // _raw rows are (actor Width, value); the actor part becomes the head's distribution and greedy action.
    private void Finish(PolicyOutputs outputs, int batch)
    {
        int width = Action.Width;
        int row = width + 1;
        for (int b = 0; b < batch; b++)
        {
            ReadOnlySpan<float> raw = _raw.AsSpan(b * row, row);
            Span<float> logits = outputs.Logits.AsSpan(b * width, width);
            Span<float> probabilities = outputs.Probabilities.AsSpan(b * width, width);
            raw.Slice(0, width).CopyTo(logits);
            outputs.Values[b] = raw[width];
            switch (Action.Kind)
            {
                case ActionKind.Discrete:
                    outputs.Actions[b] = CategoricalHead.SoftmaxBlock(logits, probabilities);
                    break;
                case ActionKind.MultiDiscrete:
                    int dims = Action.Sizes.Count;
                    int offset = 0;
                    for (int k = 0; k < dims; k++)
                    {
                        int n = Action.Sizes[k];
                        outputs.Actions[b * dims + k] = CategoricalHead.SoftmaxBlock(logits.Slice(offset, n), probabilities.Slice(offset, n));
                        offset += n;
                    }
                    break;
                default:
                    _std.CopyTo(probabilities);
                    logits.CopyTo(outputs.ContinuousActions.AsSpan(b * width, width));
                    break;
            }
        }
        outputs.Batch = batch;
    }
}
