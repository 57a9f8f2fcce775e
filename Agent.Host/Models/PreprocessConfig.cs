using AgentRnn.Vision;

namespace AgentRnn.Host.Models;

/// <summary>
/// How frames are prepared before the encoder, as the model was trained: resize to Height×Width with INTER_AREA,
/// optional gray conversion (and for video, how gray is made: <see cref="Gray"/>), a stack of FrameStack frames
/// (oldest first), and uint8 → float scaling by Scale. It travels with the model in our layout's agent.config.
/// </summary>
/// <param name="Height">Frame height after resizing.</param>
/// <param name="Width">Frame width after resizing.</param>
/// <param name="Grayscale">Whether frames are converted to one gray channel (else three RGB channels).</param>
/// <param name="FrameStack">Frames stacked along channels, oldest first.</param>
/// <param name="Scale">Factor applied to uint8 pixels (1/255 in CleanRL and SB3).</param>
public sealed record PreprocessConfig(int Height, int Width, bool Grayscale, int FrameStack, float Scale)
{
    /// <summary>CleanRL's and SB3's scaling of uint8 pixels.</summary>
    public const float DefaultScale = 1f / 255f;

    /// <summary>The Atari default: 84×84 gray, scaled by 1/255, with the given stack depth.</summary>
    public static PreprocessConfig Atari(int frameStack) => new(84, 84, true, frameStack, DefaultScale);

    /// <summary>
    /// How a video's frames become gray for this model: <see cref="GrayConversion.CvtColor"/> (what PyTorch users feed
    /// their models: cv2.VideoCapture + cv2.cvtColor BGR2GRAY; the default, and what CleanRL and SB3 checkpoints get) or
    /// <see cref="GrayConversion.Luma"/> for a model trained on the luma plane. Game frames are always cv::cvtColor.
    /// </summary>
    public GrayConversion Gray { get; init; } = GrayConversion.CvtColor;

    /// <summary>Channels the encoder sees: FrameStack × (1 gray or 3 colour).</summary>
    public int Channels => FrameStack * (Grayscale ? 1 : 3);

    /// <summary>
    /// These settings as AgentRnn.Vision preprocessing: resize, gray or RGB, stack; one observation per frame (no frame
    /// skip), so every decoded frame or env step gets one.
    /// </summary>
    public AgentRnn.Vision.PreprocessOptions ToVisionOptions() =>
        new() { Height = Height, Width = Width, Grayscale = Grayscale, Stack = FrameStack, FrameSkip = 1, MaxPoolLastTwo = false };
}
