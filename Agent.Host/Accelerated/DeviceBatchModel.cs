using AgentRnn.Core;
using AgentRnn.Host.Models;
using AgentRnn.Host.Pipeline;

namespace AgentRnn.Host.Accelerated;

/// <summary>
/// A <see cref="DevicePolicy"/> with a categorical (Discrete) actor as the pipeline's <see cref="IBatchModel"/>: each
/// stream's recurrent state stays in the device slot numbered like the stream, so a step uploads only the batch's
/// frames and downloads only the heads' outputs; softmax and argmax run on the host.
/// </summary>
/// <remarks>
/// <para>Every stream's state stays on the device, in the slot with the stream's index. A stream's first frame comes
/// with an episode start, which zeroes its slot, so a later run whose streams reuse the slots starts afresh.</para>
/// <para>Thread-safety: one thread steps at a time (the pipeline's inference thread). Steps allocate nothing.</para>
/// </remarks>
public sealed class DeviceBatchModel : IBatchModel, IDisposable
{
    private readonly DevicePolicy _policy;
    private readonly PolicyOutputs _outputs;

    /// <summary>
    /// Wraps <paramref name="policy"/>, which it owns from now on; the policy's capacity is the number of streams
    /// (stream indices 0..capacity−1) and the largest batch.
    /// </summary>
    /// <exception cref="AgentException">The action space is not Discrete, or the model takes vector observations.</exception>
    public DeviceBatchModel(DevicePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.Action.Kind != ActionKind.Discrete)
        {
            throw new AgentException($"the model's action space is {policy.Action}; labels and the benchmark need a Discrete one");
        }
        if (!policy.TakesFrames)
        {
            throw new AgentException("the model takes vector observations, not frames");
        }
        _policy = policy;
        _outputs = new PolicyOutputs(policy.Action, policy.Capacity);
    }

    /// <summary>The device policy stepped.</summary>
    public DevicePolicy Policy => _policy;

    /// <inheritdoc/>
    public int ObservationSize => _policy.ObservationSize;

    /// <inheritdoc/>
    public int ActionCount => _policy.Action.Width;

    /// <summary>
    /// One step. frames is (batch, ObservationSize) uint8; streams is (batch), each row's stream and device slot
    /// (distinct, below <see cref="DevicePolicy.Capacity"/>; the device refuses others);
    /// episodeStarts is (batch); probs is (batch, ActionCount); values and actions are (batch). Allocates nothing.
    /// </summary>
    public void Step(ReadOnlySpan<byte> frames, ReadOnlySpan<int> streams, ReadOnlySpan<float> episodeStarts,
        Span<float> probs, Span<float> values, Span<int> actions, int batch)
    {
        if (batch < 1 || batch > _policy.Capacity || streams.Length < batch || episodeStarts.Length < batch)
        {
            throw new ArgumentException(
                $"batch {batch} needs 1..{_policy.Capacity} rows with a stream and an episode start each; got {streams.Length} and {episodeStarts.Length}");
        }
        _policy.Step(frames, streams.Slice(0, batch), episodeStarts.Slice(0, batch), _outputs, batch);
        _outputs.Probabilities.AsSpan(0, batch * ActionCount).CopyTo(probs);
        _outputs.Values.AsSpan(0, batch).CopyTo(values);
        _outputs.Actions.AsSpan(0, batch).CopyTo(actions);
    }

    /// <summary>Releases the device policy (and the device it opened).</summary>
    public void Dispose() => _policy.Dispose();
}
