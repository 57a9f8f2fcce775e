namespace AgentRnn.Host.Pipeline;

/// <summary>
/// One stream of observations for the <see cref="InferencePipeline"/>: a video (decode + preprocess), a synthetic
/// game, or test data. The pipeline calls <see cref="Read"/> from one source thread at a time, in order, until it
/// returns false or throws; the caller owns the source and disposes it after the run.
/// </summary>
public interface IFrameSource
{
    /// <summary>What the stream is, for messages (a path, "synthetic #3").</summary>
    string Name { get; }

    /// <summary>Bytes in one observation: C·H·W of the uint8 frame stack the model takes.</summary>
    int ObservationSize { get; }

    /// <summary>
    /// Fills <paramref name="observation"/> ((C, H, W) uint8, oldest frame of the stack first) with the next frame.
    /// Returns false at the end of the stream. Throws (an <see cref="AgentRnn.Core.AgentException"/> for bad input) when
    /// the stream breaks; the frames delivered before stay valid and are still labelled. Must not allocate per frame.
    /// </summary>
    bool Read(Span<byte> observation, out FrameInfo frame);
}
