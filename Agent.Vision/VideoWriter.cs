using AgentRnn.Vision.OpenCv;
using OpenCvSharp;
using OpenCvSharp.Internal;
using CvVideoWriter = OpenCvSharp.VideoWriter;

namespace AgentRnn.Vision;

/// <summary>
/// Writes frames to a video file through OpenCV's cv::VideoWriter. Which codec and container pairs work is the
/// FFmpeg in OpenCvSharp's runtime's business; these do: "mp4v"/.mp4 or .mkv, "MJPG"/.avi, "XVID"/.avi, "FFV1"/.mkv,
/// "HFYU"/.avi (lossless), "png "/.mkv (lossless). It has no H.264 encoder.
/// Contract: one thread uses an instance at a time; <see cref="Write(ReadOnlySpan{byte}, PixelFormat, int)"/>
/// allocates nothing; the file is complete only after <see cref="Close"/> or <see cref="Dispose"/>.
/// </summary>
public sealed unsafe class VideoWriter : IFrameWriter
{
    private readonly CvVideoWriter _writer;
    private readonly byte[] _converted;

    private VideoWriter(string path, CvVideoWriter writer, string fourcc, double fps, int width, int height, bool isColor)
    {
        Path = path;
        _writer = writer;
        FourCc = fourcc;
        Fps = fps;
        Width = width;
        Height = height;
        IsColor = isColor;
        _converted = GC.AllocateUninitializedArray<byte>(width * height * (isColor ? 3 : 1), pinned: true);
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
    /// Creates (or replaces) path. fourcc is a four-letter code such as "mp4v", "MJPG", "XVID" or "FFV1"; a pair of
    /// codec and container FFmpeg cannot write throws a <see cref="VideoException"/>.
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
        if (backend is not (VideoWriterBackend.Ffmpeg or VideoWriterBackend.OpenCvMjpeg))
        {
            throw new VideoException(path, $"unknown writer backend {(int)backend}");
        }
        OpenCvRuntime.EnsureReady();
        VideoCaptureAPIs api = backend == VideoWriterBackend.Ffmpeg ? VideoCaptureAPIs.FFMPEG : VideoCaptureAPIs.OPENCV_MJPEG;
        var writer = new CvVideoWriter(path, api, code, fps, new Size(width, height), isColor);
        if (!writer.IsOpened())
        {
            writer.Dispose();
            throw new VideoException(path, $"cannot write codec {fourcc} with the {backend} writer: the codec or container is not supported, or the path is not writable");
        }
        return new VideoWriter(path, writer, fourcc, fps, width, height, isColor);
    }

    /// <summary>Writes a packed frame: BGR when <see cref="IsColor"/>, gray otherwise.</summary>
    public void Write(ReadOnlySpan<byte> frame) => Write(frame, IsColor ? PixelFormat.Bgr : PixelFormat.Gray, Width * (IsColor ? 3 : 1));

    /// <summary>Writes a frame with rows at stride: BGR when <see cref="IsColor"/>, gray otherwise.</summary>
    public void Write(ReadOnlySpan<byte> frame, int stride) => Write(frame, IsColor ? PixelFormat.Bgr : PixelFormat.Gray, stride);

    /// <summary>
    /// Writes a Width × Height frame in any layout, row y at y·stride; layouts other than the writer's (BGR or gray)
    /// are converted with cv::cvtColor into a reused buffer. A buffer that does not fit throws a <see cref="FrameFormatException"/>.
    /// </summary>
    public void Write(ReadOnlySpan<byte> frame, PixelFormat format, int stride)
    {
        ThrowIfDisposed();
        int row = Width * format.BytesPerPixel();
        long needed = (Height - 1L) * stride + row;
        if (stride < row || frame.Length < needed)
        {
            throw new FrameFormatException(
                $"{Path}: cannot write frame {FrameCount}: a {Width}x{Height} {format} frame needs a stride of at least {row} and {needed} bytes, got stride {stride} and {frame.Length} bytes");
        }
        PixelFormat target = IsColor ? PixelFormat.Bgr : PixelFormat.Gray;
        fixed (byte* data = frame)
        fixed (byte* converted = _converted)
        {
            byte* pixels = data;
            nint step = stride;
            if (format != target)
            {
                Cv.CvtColor(data, stride, format, converted, Width * target.BytesPerPixel(), target, Width, Height);
                pixels = converted;
                step = Width * target.BytesPerPixel();
            }
            using MatView view = MatView.Over(pixels, Height, Width, target.BytesPerPixel(), step);
            OpenCvRuntime.Check(NativeMethods.videoio_VideoWriter_write(_writer.CvPtr, view.Input));
        }
        GC.KeepAlive(this);
        FrameCount++;
    }

    /// <summary>Finishes the file (trailer, index). Further writes throw; calling it again does nothing.</summary>
    public void Close()
    {
        if (_writer.IsDisposed)
        {
            return;
        }
        _writer.Release();
        _writer.Dispose();
    }

    /// <summary>Finishes the file and releases the writer.</summary>
    public void Dispose() => Close();

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_writer.IsDisposed, this);
}
