namespace AgentRnn.Host.Pipeline;

/// <summary>How a stream ended: after how many frames, and why if not at its natural end.</summary>
/// <param name="Stream">The stream's position in the source list.</param>
/// <param name="Frames">Frames that went through the model and reached the sink.</param>
/// <param name="Error">What broke the stream (decoding stopped), or null.</param>
/// <param name="Cancelled">True when the run was cancelled before the stream's end.</param>
public readonly record struct StreamEnd(int Stream, long Frames, Exception? Error, bool Cancelled)
{
    /// <summary>True when the stream reached its natural end.</summary>
    public bool Completed => Error is null && !Cancelled;
}
