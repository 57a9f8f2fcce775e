namespace AgentRnn.Host.Pipeline;

/// <summary>
/// A recurrent policy stepped for a batch of streams at once: frames and stream indices in, action probabilities,
/// value and greedy action out. The model keeps every stream's recurrent state itself, in its own slots on its device
/// (for <see cref="PolicyBatchModel"/>, a <see cref="Memory.StreamStateStore"/> over the network's slots); the
/// pipeline keeps none. The pipeline calls <see cref="Step"/> from its one inference thread.
/// </summary>
public interface IBatchModel
{
    /// <summary>Bytes in one observation (C·H·W uint8).</summary>
    int ObservationSize { get; }

    /// <summary>Number of actions (width of the probability rows).</summary>
    int ActionCount { get; }

    /// <summary>
    /// One step. frames is (batch, ObservationSize) uint8; streams is (batch), the stream each row belongs to (its
    /// 0-based position in the pipeline's source list; distinct within a batch), whose state the model steps in place;
    /// episodeStarts is (batch): 1 resets that stream's state (state·(1 − start)) before the step, and a stream's first
    /// frame always has 1; probs is (batch, ActionCount); values is (batch); actions is (batch), the greedy (argmax)
    /// action. Allocates nothing.
    /// </summary>
    void Step(ReadOnlySpan<byte> frames, ReadOnlySpan<int> streams, ReadOnlySpan<float> episodeStarts,
        Span<float> probs, Span<float> values, Span<int> actions, int batch);
}
