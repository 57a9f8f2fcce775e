namespace AgentRnn.Host.Pipeline;

/// <summary>
/// A batch model that can also step one stream through several consecutive frames in one call. The frames do not
/// depend on each other until the recurrent core, so the encoder runs once over all of them, reading its weights
/// once per call instead of once per frame; the core then steps frame by frame. Results equal stepping the frames one
/// at a time up to float rounding (the encoder's matrix products see a larger batch).
/// </summary>
public interface ISequenceBatchModel : IBatchModel
{
    /// <summary>
    /// Steps <paramref name="stream"/> through <paramref name="steps"/> consecutive frames: frames is (steps,
    /// ObservationSize) uint8 in frame order; the model steps the stream's state in place through every frame; episodeStarts is (steps): 1 resets the state before that frame; probs is (steps, ActionCount);
    /// values and actions are (steps). Allocates nothing.
    /// </summary>
    void StepSequence(ReadOnlySpan<byte> frames, int stream, ReadOnlySpan<float> episodeStarts,
        Span<float> probs, Span<float> values, Span<int> actions, int steps);
}
