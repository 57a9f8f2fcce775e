using AgentRnn.Core;

namespace AgentRnn.Vision;

/// <summary>
/// A video that cannot be opened, read or written: a missing or empty file, a file that is not a video, a stream that
/// breaks mid-way, a codec the writer does not support. The message names the file and, for decoding errors, the
/// 0-based frame index where decoding stopped; frames decoded before it were delivered.
/// </summary>
public class VideoException : AgentException
{
    /// <summary>Creates the exception; message is the part after "path: ".</summary>
    public VideoException(string path, string message, int? frameIndex = null, Exception? innerException = null)
        : base($"{path}: {message}", innerException)
    {
        Path = path;
        FrameIndex = frameIndex;
    }

    /// <summary>The file or URL.</summary>
    public string Path { get; }

    /// <summary>The 0-based index of the frame that could not be decoded, when the error happened while decoding.</summary>
    public int? FrameIndex { get; }
}
