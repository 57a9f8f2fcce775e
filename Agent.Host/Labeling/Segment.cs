namespace AgentRnn.Host.Labeling;

/// <summary>A run of frames with the same label: inclusive frame range, the times of its first and last frames.</summary>
/// <param name="Action">The label's action index.</param>
/// <param name="StartFrame">First frame (0-based, inclusive).</param>
/// <param name="EndFrame">Last frame (inclusive).</param>
/// <param name="StartTime">Time of the first frame, seconds.</param>
/// <param name="EndTime">Time of the last frame, seconds.</param>
internal readonly record struct Segment(int Action, long StartFrame, long EndFrame, double StartTime, double EndTime)
{
    /// <summary>Number of frames.</summary>
    public long Frames => EndFrame - StartFrame + 1;
}
