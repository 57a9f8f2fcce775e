using System.Globalization;

namespace AgentRnn.Vision;

/// <summary>
/// A point in a video, as a user writes it: a 0-based frame index ("300") or a time in seconds from the video's own
/// timestamps ("12.5s").
/// </summary>
/// <param name="Value">The frame index, or the time in seconds.</param>
/// <param name="IsSeconds">True: <see cref="Value"/> is seconds; false: a frame index.</param>
public readonly record struct VideoPosition(double Value, bool IsSeconds)
{
    /// <summary>A frame index.</summary>
    public static VideoPosition Frame(long index) => new(index, false);

    /// <summary>A time in seconds.</summary>
    public static VideoPosition Seconds(double seconds) => new(seconds, true);

    /// <summary>
    /// Parses "300" (frame 300) or "12.5s" (12.5 seconds; also "12.5 s"); null when the text is neither a
    /// non-negative integer nor a non-negative finite number of seconds.
    /// </summary>
    public static VideoPosition? TryParse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        string trimmed = text.Trim();
        if (trimmed.EndsWith('s') || trimmed.EndsWith('S'))
        {
            string number = trimmed[..^1].TrimEnd();
            return double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds)
                && double.IsFinite(seconds) && seconds >= 0 ? Seconds(seconds) : null;
        }
        return long.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out long frame) ? Frame(frame) : null;
    }

    /// <summary>True when a frame with this index and time lies before the position.</summary>
    public bool IsAfter(long frameIndex, double timeSeconds) =>
        IsSeconds ? timeSeconds < Value - 1e-9 : frameIndex < Value;

    /// <inheritdoc />
    public override string ToString() =>
        IsSeconds ? Value.ToString("0.###", CultureInfo.InvariantCulture) + "s" : ((long)Value).ToString(CultureInfo.InvariantCulture);
}
