namespace AgentRnn.Host.Labeling.Report;

/// <summary>One stretch of the segment strip as drawn: a label from <paramref name="Start"/> to <paramref name="End"/>.</summary>
/// <param name="Label">Class index.</param>
/// <param name="FirstFrame">First frame it covers.</param>
/// <param name="LastFrame">Last frame it covers (inclusive).</param>
/// <param name="Start">Left edge, seconds: its first frame's time.</param>
/// <param name="End">Right edge, seconds: the next stretch's start, or the end of the last frame.</param>
internal readonly record struct StripRun(int Label, long FirstFrame, long LastFrame, double Start, double End);
