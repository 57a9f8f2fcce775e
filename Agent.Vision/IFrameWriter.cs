namespace AgentRnn.Vision;

/// <summary>Something that writes packed frames of a fixed size to a video file: <see cref="VideoWriter"/> (OpenCV) or <see cref="FfmpegPipeWriter"/>.</summary>
public interface IFrameWriter : IDisposable
{
    /// <summary>The file being written.</summary>
    string Path { get; }

    /// <summary>Frames written so far.</summary>
    int FrameCount { get; }

    /// <summary>Writes one packed frame in the writer's layout (BGR for colour).</summary>
    void Write(ReadOnlySpan<byte> frame);

    /// <summary>Finishes the file; further writes throw, calling it again does nothing.</summary>
    void Close();
}
