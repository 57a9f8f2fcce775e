namespace AgentRnn.Host.Pipeline;

/// <summary>Where a decoded frame sits in its stream: its 0-based index and its time in seconds from the stream's own timestamps.</summary>
/// <param name="Index">0-based frame index in the stream.</param>
/// <param name="TimeSeconds">Presentation time in seconds, from the stream's timestamps.</param>
public readonly record struct FrameInfo(long Index, double TimeSeconds);
