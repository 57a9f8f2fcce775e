using AgentRnn.Vision.Interop;

namespace AgentRnn.Vision;

/// <summary>
/// Writes frames to a video file through OpenCV's cv::VideoWriter. Which codec and container pairs work is FFmpeg's
/// business; with Debian's build these do: "mp4v"/.mp4, "avc1"/.mp4 (libx264), "MJPG"/.avi, "XVID"/.avi, "FFV1"/.mkv.
/// Contract: one thread uses an instance at a time; <see cref="Write(ReadOnlySpan{byte}, PixelFormat, int)"/>
/// allocates nothing; the file is complete only after <see cref="Close"/> or <see cref="Dispose"/>.
/// </summary>
public sealed class VideoWriter : IDisposable
{
    private readonly VideoWriterHandle _handle;

    private VideoWriter(string path, VideoWriterHandle handle, string fourcc, double fps, int width, int height, bool isColor)
    {
        Path = path;
        _handle = handle;
        FourCc = fourcc;
        Fps = fps;
        Width = width;
        Height = height;
        IsColor = isColor;
    }

    /// <summary>The file being written.</summary>
    public string Path { get; }

    /// <summary>The codec's four-character code.</summary>
    public string FourCc { get; }

    /// <summary>Frames per second written into the file.</summary>
    public double Fps { get; }

    /// <summary>Frame width the writer accepts.</summary>
    public int Width { get; }

    /// <summary>Frame height the writer accepts.</summary>
    public int Height { get; }

    /// <summary>True: BGR frames are written; false: gray frames.</summary>
    public bool IsColor { get; }

    /// <summary>Frames written so far.</summary>
    public int FrameCount { get; private set; }

    /// <summary>
    /// Creates (or replaces) path. fourcc is a four-letter code such as "mp4v", "avc1", "MJPG", "XVID" or "FFV1"; a pair
    /// of codec and container FFmpeg cannot write throws a <see cref="VideoException"/>.
    /// </summary>
    public static VideoWriter Open(
        string path, string fourcc, double fps, int width, int height, bool isColor = true, VideoWriterBackend backend = VideoWriterBackend.Ffmpeg)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(fourcc);
        int code = Vision.FourCc.Encode(fourcc);
        if (width <= 0 || height <= 0 || !(fps > 0) || !double.IsFinite(fps))
        {
            throw new VideoException(path, $"cannot write a {width}x{height} video at {fps} fps: size and frame rate must be positive");
        }
        NativeStatus status = NativeMethods.videoio_VideoWriter_open(path, code, fps, width, height, isColor ? 1 : 0, (int)backend, out nint raw);
        if (status == NativeStatus.CannotOpen)
        {
            throw new VideoException(path, $"cannot write codec {fourcc} with the {backend} writer: {NativeMethods.LastError()}");
        }
        NativeMethods.ThrowIfFailed(status);
        return new VideoWriter(path, new VideoWriterHandle(raw), fourcc, fps, width, height, isColor);
    }

    /// <summary>Writes a packed frame: BGR when <see cref="IsColor"/>, gray otherwise.</summary>
    public void Write(ReadOnlySpan<byte> frame) => Write(frame, IsColor ? PixelFormat.Bgr : PixelFormat.Gray, Width * (IsColor ? 3 : 1));

    /// <summary>Writes a frame with rows at stride: BGR when <see cref="IsColor"/>, gray otherwise.</summary>
    public void Write(ReadOnlySpan<byte> frame, int stride) => Write(frame, IsColor ? PixelFormat.Bgr : PixelFormat.Gray, stride);

    /// <summary>
    /// Writes a Width × Height frame in any layout, row y at y·stride; layouts other than the writer's (BGR or gray)
    /// are converted with cv::cvtColor into a reused buffer.
    /// </summary>
    public unsafe void Write(ReadOnlySpan<byte> frame, PixelFormat format, int stride)
    {
        ThrowIfDisposed();
        NativeStatus status;
        fixed (byte* data = frame)
        {
            var image = new NativeImage(data, frame.Length, Width, Height, stride, format);
            status = NativeMethods.videoio_VideoWriter_write(_handle, &image);
        }
        GC.KeepAlive(this);
        if (status == NativeStatus.BadArgument)
        {
            throw new FrameFormatException($"{Path}: cannot write frame {FrameCount}: {NativeMethods.LastError()}");
        }
        NativeMethods.ThrowIfFailed(status);
        FrameCount++;
    }

    /// <summary>Finishes the file (trailer, index). Further writes throw; calling it again does nothing.</summary>
    public void Close()
    {
        if (_handle.IsClosed)
        {
            return;
        }
        NativeStatus status = NativeMethods.videoio_VideoWriter_release(_handle);
        _handle.Dispose();
        NativeMethods.ThrowIfFailed(status);
    }

    /// <summary>Finishes the file and releases the writer.</summary>
    public void Dispose() => Close();

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
}
