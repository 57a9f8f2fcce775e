namespace AgentRnn.Vision;

/// <summary>Where a decoded frame sits in its stream.</summary>
/// <param name="Index">0-based frame index.</param>
/// <param name="TimestampSeconds">
/// Presentation time in seconds from the stream's own timestamps, relative to the stream's start (variable frame
/// rates come out as recorded). When a frame carries no usable timestamp (missing, or not after the previous
/// frame's), it is the previous frame's time plus 1/fps, or index/fps when there is no previous frame.
/// </param>
public readonly record struct VideoFrameInfo(int Index, double TimestampSeconds);
