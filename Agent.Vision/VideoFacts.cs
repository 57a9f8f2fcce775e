namespace AgentRnn.Vision;

/// <summary>What decoding a whole video established about it (the facts `agent probe` prints).</summary>
/// <param name="Path">The file or URL.</param>
/// <param name="Width">Frame width.</param>
/// <param name="Height">Frame height.</param>
/// <param name="Fps">Declared frames per second (0 when the stream does not say).</param>
/// <param name="Frames">Frames actually decoded.</param>
/// <param name="DeclaredFrames">Frames the container declares (or OpenCV estimates from its duration); null when unknown.</param>
/// <param name="DurationSeconds">The last frame's timestamp plus one frame interval (1/fps); 0 for no frames.</param>
/// <param name="Codec">The codec's four-character code.</param>
public sealed record VideoFacts(
    string Path, int Width, int Height, double Fps, int Frames, int? DeclaredFrames, double DurationSeconds, string Codec)
{
    /// <summary>
    /// Decodes every frame of pathOrUrl (without color conversion) and returns its facts. A file that cannot be opened,
    /// or that breaks mid-way, throws a <see cref="VideoException"/> naming it and the frame index.
    /// </summary>
    public static VideoFacts Probe(string pathOrUrl, CancellationToken cancellationToken = default)
    {
        using VideoSource source = VideoSource.Open(pathOrUrl);
        double last = 0;
        int frames = 0;
        while (source.Grab(out VideoFrameInfo info))
        {
            cancellationToken.ThrowIfCancellationRequested();
            last = info.TimestampSeconds;
            frames++;
        }
        double duration = frames == 0 ? 0 : last + (source.Fps > 0 ? 1.0 / source.Fps : 0);
        return new VideoFacts(source.Path, source.Width, source.Height, source.Fps, frames, source.DeclaredFrameCount, duration, source.Codec);
    }
}
