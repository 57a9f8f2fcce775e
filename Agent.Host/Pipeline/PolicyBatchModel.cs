using AgentRnn.Core;
using AgentRnn.Host.Models;
using AgentRnn.Host.Network;
using AgentRnn.Vision;

namespace AgentRnn.Host.Pipeline;

/// <summary>
/// A <see cref="PolicyNetwork"/> with a categorical (Discrete) actor as the pipeline's <see cref="IBatchModel"/>: the
/// network's slots hold every stream's recurrent state, booked by stream index in the <see cref="PolicyStreams.Store"/>
/// of <see cref="Streams"/>; a step copies probabilities, values and greedy actions out of its preallocated outputs.
/// </summary>
/// <remarks>Thread-safety: one thread steps at a time (the pipeline's inference thread). Steps allocate nothing once
/// every stream has had its first frame.</remarks>
public sealed class PolicyBatchModel : ISequenceBatchModel, IDisposable
{
    private readonly PolicyOutputs _outputs;
    private readonly long[] _ids;

    /// <summary>
    /// Wraps <paramref name="model"/> for batches of up to <paramref name="maxBatch"/> streams (or frames of one stream),
    /// on a CPU network of its own with the model's <see cref="PolicyModel.CpuOptions"/> (threads, weight precision).
    /// </summary>
    /// <exception cref="AgentException">The action space is not Discrete, or the model takes vector observations.</exception>
    public PolicyBatchModel(PolicyModel model, int maxBatch)
        : this((model ?? throw new ArgumentNullException(nameof(model))).CreateCpuNetwork(maxBatch), maxBatch, ownsNetwork: true)
    {
    }

    /// <summary>
    /// Wraps <paramref name="network"/> (any device) for batches of up to <paramref name="maxBatch"/> streams; with
    /// <paramref name="ownsNetwork"/> disposing this disposes the network.
    /// </summary>
    /// <exception cref="AgentException">The action space is not Discrete, or the model takes vector observations.</exception>
    public PolicyBatchModel(PolicyNetwork network, int maxBatch, bool ownsNetwork = false)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatch);
        try
        {
            CheckServes(network.Config);
        }
        catch when (ownsNetwork)
        {
            network.Dispose();
            throw;
        }
        Streams = new PolicyStreams(network, ownsNetwork);
        _outputs = network.CreateOutputs(maxBatch);
        _ids = new long[maxBatch];
        network.EnsureCapacity(maxBatch);
    }

    /// <summary>The network and the store of its streams (stream ids are the pipeline's stream indices).</summary>
    public PolicyStreams Streams { get; }

    /// <summary>The network stepped.</summary>
    public PolicyNetwork Network => Streams.Network;

    /// <inheritdoc/>
    public int ObservationSize => Network.InputSize;

    /// <inheritdoc/>
    public int ActionCount => Network.Action.Width;

    /// <summary>
    /// The preprocessing the model was trained with, as AgentRnn.Vision options: resize, gray or RGB, stack; one
    /// observation per frame (no frame skip), so every decoded frame gets a label.
    /// </summary>
    public PreprocessOptions Preprocess => Network.Config.Preprocess!.ToVisionOptions();

    /// <summary>Throws the one-line <see cref="AgentException"/> when a model of <paramref name="config"/> cannot label or benchmark frames.</summary>
    public static void CheckServes(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.Action.Kind != ActionKind.Discrete)
        {
            throw new AgentException($"the model's action space is {config.Action}; labels and the benchmark need a Discrete one");
        }
        if (config.Preprocess is null)
        {
            throw new AgentException("the model takes vector observations, not frames");
        }
    }

    /// <inheritdoc/>
    public void Step(ReadOnlySpan<byte> frames, ReadOnlySpan<int> streams, ReadOnlySpan<float> episodeStarts,
        Span<float> probs, Span<float> values, Span<int> actions, int batch)
    {
        if (batch <= 0 || batch > _ids.Length || streams.Length < batch)
        {
            throw new ArgumentException($"batch {batch} needs 1..{_ids.Length} rows with a stream each; got {streams.Length}");
        }
        for (int b = 0; b < batch; b++)
        {
            _ids[b] = streams[b];
        }
        Streams.Step(frames, _ids.AsSpan(0, batch), episodeStarts, _outputs, batch);
        CopyOut(probs, values, actions, batch);
    }

    /// <summary>As <see cref="ISequenceBatchModel.StepSequence"/>, through <see cref="PolicyStreams.StepSequence"/>; at most the constructor's maxBatch frames.</summary>
    public void StepSequence(ReadOnlySpan<byte> frames, int stream, ReadOnlySpan<float> episodeStarts,
        Span<float> probs, Span<float> values, Span<int> actions, int steps)
    {
        Streams.StepSequence(frames, stream, episodeStarts, _outputs, steps);
        CopyOut(probs, values, actions, steps);
    }

    /// <summary>Disposes the network when this owns it.</summary>
    public void Dispose() => Streams.Dispose();

    private void CopyOut(Span<float> probs, Span<float> values, Span<int> actions, int rows)
    {
        _outputs.Probabilities.AsSpan(0, rows * ActionCount).CopyTo(probs);
        _outputs.Values.AsSpan(0, rows).CopyTo(values);
        _outputs.Actions.AsSpan(0, rows).CopyTo(actions);
    }
}
