namespace AgentRnn.Host.Pipeline;

/// <summary>
/// What flows through the pipeline's channels: a frame in a slot of a stream, or the end of a stream.
/// The frame's data stays in the slot; the token only names it.
/// </summary>
/// <param name="Stream">The stream's position in the source list.</param>
/// <param name="Slot">Global slot index (stream·slotsPerStream + k); −1 for an end token.</param>
internal readonly record struct FrameToken(int Stream, int Slot)
{
    public bool IsEnd => Slot < 0;

    public static FrameToken End(int stream) => new(stream, -1);
}
