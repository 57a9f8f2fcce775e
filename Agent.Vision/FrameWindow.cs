using AgentRnn.Core;

namespace AgentRnn.Vision;

/// <summary>
/// The part of a video to read: frames from <see cref="Start"/> (inclusive) up to <see cref="End"/> (exclusive),
/// each a frame index or a time in seconds; null means the video's start or end.
/// </summary>
/// <param name="Start">First frame read (its index, or the first frame at or after this time); null: frame 0.</param>
/// <param name="End">Reading stops before this frame index, or before the first frame at or after this time; null: the end.</param>
public sealed record FrameWindow(VideoPosition? Start, VideoPosition? End)
{
    /// <summary>The whole video.</summary>
    public static readonly FrameWindow All = new(null, null);

    /// <summary>True when frames are read from the start to the end.</summary>
    public bool IsAll => Start is null && End is null;

    /// <summary>
    /// Builds a window from the command line's texts ("300", "12.5s"), rejecting with one line an unreadable value or
    /// an end that is not after the start (when both use the same unit).
    /// </summary>
    public static FrameWindow Parse(string? start, string? end)
    {
        VideoPosition? from = start is null ? null
            : VideoPosition.TryParse(start) ?? throw new AgentException($"--start '{start}': expected a frame index (300) or seconds (12.5s)");
        VideoPosition? to = end is null ? null
            : VideoPosition.TryParse(end) ?? throw new AgentException($"--end '{end}': expected a frame index (300) or seconds (12.5s)");
        if (from is VideoPosition f && to is VideoPosition t && f.IsSeconds == t.IsSeconds && t.Value <= f.Value)
        {
            throw new AgentException($"--end {t} must be after --start {f}");
        }
        return new FrameWindow(from, to);
    }
}
