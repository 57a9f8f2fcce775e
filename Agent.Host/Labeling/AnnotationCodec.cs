using AgentRnn.Core;
using AgentRnn.Vision;

namespace AgentRnn.Host.Labeling;

/// <summary>
/// Which codec an annotated video is written with. Browser-playable first: H.264 for .mp4/.m4v/.mov/.mkv (fourcc
/// avc1), VP9 then VP8 for .webm, each tried by opening OpenCV's FFmpeg writer, which fails when the FFmpeg
/// in use has no such encoder. When none opens, .mp4/.mov fall back to MPEG-4 Part 2 (mp4v) and .mkv to FFV1
/// (lossless), and <see cref="Why"/> says so; .avi is Motion JPEG. OpenCvSharp's official Linux runtime has no H.264,
/// VP8 or VP9 encoder (only hardware wrappers that need a V4L2 device), so there .mp4 is mp4v.
/// </summary>
/// <param name="FourCc">The fourcc written.</param>
/// <param name="Name">The codec in words.</param>
/// <param name="BrowserPlayable">True when browsers and notebooks play the file.</param>
/// <param name="Why">Why the codec is not the browser-playable one; null when it is.</param>
internal sealed record AnnotationCodec(string FourCc, string Name, bool BrowserPlayable, string? Why)
{
    // Only avc1: OpenCV maps H264 to the same encoder and, for MP4, first prints a warning to stderr no log level silences.
    private static readonly (string FourCc, string Name)[] H264 = [("avc1", "H.264")];
    private static readonly (string FourCc, string Name)[] Vp = [("VP90", "VP9"), ("VP80", "VP8")];

    /// <summary>
    /// Opens a writer for path (its extension picks the container) trying the browser-playable codecs first; throws an
    /// <see cref="AgentException"/> for an extension it cannot write or when no codec opens.
    /// </summary>
    public static (VideoWriter Writer, AnnotationCodec Codec) Open(string path, double fps, int width, int height)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        ((string FourCc, string Name)[] preferred, (string FourCc, string Name)? fallback) = extension switch
        {
            ".mp4" or ".m4v" or ".mov" => (H264, ("mp4v", "MPEG-4 Part 2")),
            ".mkv" => (H264, ("FFV1", "FFV1 (lossless)")),
            ".webm" => (Vp, ((string, string)?)null),
            ".avi" => (Array.Empty<(string, string)>(), ("MJPG", "Motion JPEG")),
            _ => throw new AgentException($"cannot tell the container from '{extension}': name the annotated video .mp4 (or .webm, .mkv, .avi)"),
        };
        foreach ((string fourcc, string name) in preferred)
        {
            if (TryOpen(path, fourcc, fps, width, height) is VideoWriter writer)
            {
                return (writer, new AnnotationCodec(fourcc, name, true, null));
            }
        }
        string tried = string.Join(", ", preferred.Select(p => p.FourCc));
        if (fallback is not (string FourCc, string Name) chosen)
        {
            throw new AgentException($"the FFmpeg in OpenCV has no {string.Join(" or ", preferred.Select(p => p.Name).Distinct())} encoder (tried {tried}), " +
                "which a .webm needs: name the annotated video .mp4 instead");
        }
        VideoWriter fallbackWriter;
        try
        {
            fallbackWriter = VideoWriter.Open(path, chosen.FourCc, fps, width, height, isColor: true);
        }
        catch (VideoException e)
        {
            throw new AgentException(e.Message, e);
        }
        string why = preferred.Length == 0
            ? "AVI holds Motion JPEG here, which browsers do not play; name the file .mp4 for H.264 where the encoder exists"
            : $"the FFmpeg in OpenCV (OpenCvSharp's runtime) has no H.264 encoder (tried fourcc {tried}), so it is {chosen.Name}, " +
              "which players such as VLC and ffplay play but browsers do not";
        return (fallbackWriter, new AnnotationCodec(chosen.FourCc, chosen.Name, false, why));
    }

    private static VideoWriter? TryOpen(string path, string fourcc, double fps, int width, int height)
    {
        try
        {
            return VideoWriter.Open(path, fourcc, fps, width, height, isColor: true);
        }
        catch (VideoException)
        {
            // No such encoder in this FFmpeg: remove whatever the failed open left and try the next codec.
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
            return null;
        }
    }
}
