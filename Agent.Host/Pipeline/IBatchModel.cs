namespace AgentRnn.Host.Pipeline;

/// <summary>
/// A recurrent policy stepped for a batch of streams at once: frames in, per-stream state updated in place, action
/// probabilities, value and greedy action out. The pipeline calls <see cref="Step"/> from its one inference thread.
/// </summary>
public interface IBatchModel
{
    /// <summary>Bytes in one observation (C·H·W uint8).</summary>
    int ObservationSize { get; }

    /// <summary>
    /// Floats of recurrent state per stream that the pipeline keeps on the host and hands to every step; 0 for a model
    /// that keeps each stream's state itself, keyed by the stream index.
    /// </summary>
    int StateSize { get; }

    /// <summary>Number of actions (width of the probability rows).</summary>
    int ActionCount { get; }

    /// <summary>
    /// One step. frames is (batch, ObservationSize) uint8; streams is (batch), the stream each row belongs to (its
    /// 0-based position in the pipeline's source list; distinct within a batch); state is (batch, StateSize), that
    /// stream's host state, updated in place; episodeStarts is (batch): 1 resets that row's state (state·(1 − start))
    /// before the step, and a stream's first frame always has 1; probs is (batch, ActionCount); values is (batch);
    /// actions is (batch), the greedy (argmax) action. Allocates nothing.
    /// </summary>
    void Step(ReadOnlySpan<byte> frames, ReadOnlySpan<int> streams, Span<float> state, ReadOnlySpan<float> episodeStarts,
        Span<float> probs, Span<float> values, Span<int> actions, int batch);
}
