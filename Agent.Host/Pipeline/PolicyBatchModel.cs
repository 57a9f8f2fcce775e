using AgentRnn.Core;
using AgentRnn.Host.Models;
using AgentRnn.Vision;

namespace AgentRnn.Host.Pipeline;

/// <summary>
/// A <see cref="PolicyModel"/> with a categorical (Discrete) actor as the pipeline's <see cref="IBatchModel"/>:
/// steps the model into its own preallocated outputs and copies probabilities, values and greedy actions out.
/// </summary>
public sealed class PolicyBatchModel : ISequenceBatchModel
{
    private readonly PolicyModel _model;
    private readonly PolicyOutputs _outputs;

    /// <summary>Wraps <paramref name="model"/> for batches of up to <paramref name="maxBatch"/> streams (or frames of one stream).</summary>
    public PolicyBatchModel(PolicyModel model, int maxBatch)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Action.Kind != ActionKind.Discrete)
        {
            throw new AgentException($"the model's action space is {model.Action}; labels and the benchmark need a Discrete one");
        }
        if (model.Config.Preprocess is null)
        {
            throw new AgentException("the model takes vector observations, not frames");
        }
        _model = model;
        _outputs = model.CreateOutputs(maxBatch);
        model.EnsureCapacity(maxBatch);
    }

    /// <summary>The wrapped model.</summary>
    public PolicyModel Model => _model;

    /// <inheritdoc/>
    public int ObservationSize => _model.InputSize;

    /// <inheritdoc/>
    public int StateSize => _model.StateSize;

    /// <inheritdoc/>
    public int ActionCount => _model.ActionCount;

    /// <summary>
    /// The preprocessing the model was trained with, as AgentRnn.Vision options: resize, gray or RGB, stack; one
    /// observation per frame (no frame skip), so every decoded frame gets a label.
    /// </summary>
    public PreprocessOptions Preprocess => _model.Config.Preprocess!.ToVisionOptions();

    /// <summary>As <see cref="IBatchModel.Step"/>; the state lives in the pipeline's host buffer, so streams is not needed.</summary>
    public void Step(ReadOnlySpan<byte> frames, ReadOnlySpan<int> streams, Span<float> state, ReadOnlySpan<float> episodeStarts,
        Span<float> probs, Span<float> values, Span<int> actions, int batch)
    {
        _model.Step(frames, state, episodeStarts, _outputs, batch);
        CopyOut(probs, values, actions, batch);
    }

    /// <summary>As <see cref="ISequenceBatchModel.StepSequence"/>, through <see cref="PolicyModel.StepSequence"/>; at most the constructor's maxBatch frames.</summary>
    public void StepSequence(ReadOnlySpan<byte> frames, int stream, Span<float> state, ReadOnlySpan<float> episodeStarts,
        Span<float> probs, Span<float> values, Span<int> actions, int steps)
    {
        _model.StepSequence(frames, state, episodeStarts, _outputs, steps);
        CopyOut(probs, values, actions, steps);
    }

    private void CopyOut(Span<float> probs, Span<float> values, Span<int> actions, int rows)
    {
        _outputs.Probabilities.AsSpan(0, rows * ActionCount).CopyTo(probs);
        _outputs.Values.AsSpan(0, rows).CopyTo(values);
        _outputs.Actions.AsSpan(0, rows).CopyTo(actions);
    }
}
