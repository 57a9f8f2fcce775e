using AgentRnn.Core;

namespace AgentRnn.Vision;

/// <summary>
/// Atari-style preprocessing (SB3 AtariWrapper / CleanRL): max-pool over the last two raw frames of each skip window,
/// crop, grayscale (cv::COLOR_*2GRAY), resize with INTER_AREA, stack the last k frames oldest first. Each step is
/// optional: Crop null keeps the whole frame, Grayscale false keeps R, G, B planes, FrameSkip 1 processes every frame,
/// Stack 1 keeps only the newest frame.
/// </summary>
public sealed record PreprocessOptions
{
    /// <summary>Convert to one gray plane (true) or keep R, G, B planes (false; gray sources stay one plane). Default true.</summary>
    public bool Grayscale { get; init; } = true;

    /// <summary>Region of the source frame to keep, before resizing; null keeps the whole frame.</summary>
    public CropRect? Crop { get; init; }

    /// <summary>Output height in pixels. Default 84.</summary>
    public int Height { get; init; } = 84;

    /// <summary>Output width in pixels. Default 84.</summary>
    public int Width { get; init; } = 84;

    /// <summary>One observation per FrameSkip raw frames (the last of each window). Default 1.</summary>
    public int FrameSkip { get; init; } = 1;

    /// <summary>
    /// With FrameSkip ≥ 2, the observation is the per-pixel max of the window's last two raw frames (before any other
    /// step), as SB3's MaxAndSkipEnv does to undo Atari sprite flicker. Ignored when FrameSkip is 1. Default true.
    /// </summary>
    public bool MaxPoolLastTwo { get; init; } = true;

    /// <summary>Frames stacked into one observation, oldest first. Default 4.</summary>
    public int Stack { get; init; } = 4;

    /// <summary>Throws an <see cref="AgentException"/> naming the first setting out of range.</summary>
    public void Validate()
    {
        Require(Height >= 1, $"preprocess height must be at least 1, got {Height}");
        Require(Width >= 1, $"preprocess width must be at least 1, got {Width}");
        Require(FrameSkip >= 1, $"frame skip must be at least 1, got {FrameSkip}");
        Require(Stack >= 1, $"frame stack must be at least 1, got {Stack}");
        if (Crop is CropRect crop)
        {
            Require(crop.Width >= 1 && crop.Height >= 1 && crop.X >= 0 && crop.Y >= 0, $"crop {crop} must have a non-negative corner and a positive size");
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new AgentException(message);
        }
    }
}
