using AgentRnn.Vision.OpenCv;
using OpenCvSharp;
using OpenCvSharp.Internal;

namespace AgentRnn.Vision;

/// <summary>
/// A video file (any container and codec OpenCvSharp's FFmpeg reads) or a stream URL, decoded frame by frame through
/// OpenCV's cv::VideoCapture (FFmpeg backend) into caller-owned buffers, or lent in place. OpenCV decodes to BGR;
/// other layouts are one cv::cvtColor from it. Gray frames are cv::COLOR_BGR2GRAY of that BGR frame by default (what
/// Python's cv2 gives), or with <see cref="GrayConversion.Luma"/> the decoded luma plane (<see cref="VideoSourceOptions.Gray"/>).
/// Frame counts are exact (every decoded frame, drained at the end), timestamps come from the stream
/// (<see cref="VideoFrameInfo"/>), and frames decoded before an error are delivered; the read that meets the error
/// throws a <see cref="VideoException"/> naming the file and the frame index.
/// Contract: one thread uses an instance at a time. Read, Grab and the lending Read allocate nothing.
/// </summary>
public sealed unsafe class VideoSource : IDisposable
{
    private readonly VideoCapture _capture;
    private readonly Mat _decoded = new();
    private readonly byte[] _converted;
    private readonly VideoSourceOptions _options;
    private readonly bool _luma;
    private readonly bool _fullRange;
    private double? _lastTimestamp;
    private bool _ended;
    private bool _disposed;

    private VideoSource(string path, VideoCapture capture, VideoSourceOptions options, in StreamFacts facts, bool luma, bool fullRange)
    {
        Path = path;
        _capture = capture;
        _options = options;
        _luma = luma;
        _fullRange = fullRange;
        Width = facts.Width;
        Height = facts.Height;
        Fps = double.IsFinite(facts.Fps) && facts.Fps > 0 ? facts.Fps : 0;
        DeclaredFrameCount = facts.DeclaredFrames is > 0 and <= int.MaxValue ? (int)facts.DeclaredFrames : null;
        Codec = FourCc.Decode(facts.FourCc);
        Format = options.Format;
        Gray = Format != PixelFormat.Gray ? null : luma ? GrayConversion.Luma : GrayConversion.CvtColor;
        RowBytes = Width * Format.BytesPerPixel();
        _converted = GC.AllocateUninitializedArray<byte>(FrameBytes, pinned: true);
    }

    /// <summary>The file path or URL it was opened with.</summary>
    public string Path { get; }

    /// <summary>Frame width in pixels (after the display rotation OpenCV applies).</summary>
    public int Width { get; }

    /// <summary>Frame height in pixels.</summary>
    public int Height { get; }

    /// <summary>Frames per second the stream declares (0 when it does not); for variable rates an average.</summary>
    public double Fps { get; }

    /// <summary>
    /// The frame count the container declares, or an estimate from its duration; null when unknown (live streams).
    /// Only decoding the whole stream gives the exact count.
    /// </summary>
    public int? DeclaredFrameCount { get; }

    /// <summary>The codec's four-character code as OpenCV reports it (e.g. "mp4v", "MJPG", "FFV1", "avc1", "h264").</summary>
    public string Codec { get; }

    /// <summary>The layout the Read methods give.</summary>
    public PixelFormat Format { get; }

    /// <summary>
    /// How gray frames are made: the requested <see cref="VideoSourceOptions.Gray"/>, or <see cref="GrayConversion.CvtColor"/>
    /// where the video is not 8-bit YUV and has no luma plane; null when <see cref="Format"/> is not Gray.
    /// </summary>
    public GrayConversion? Gray { get; }

    /// <summary>Bytes in one packed row: Width × bytes per pixel of <see cref="Format"/>.</summary>
    public int RowBytes { get; }

    /// <summary>Bytes in one packed frame: Height × <see cref="RowBytes"/>.</summary>
    public int FrameBytes => Height * RowBytes;

    /// <summary>The 0-based index of the frame the next Read or Grab returns.</summary>
    public int FrameIndex { get; private set; }

    /// <summary>
    /// Opens a file or a stream URL (anything with "://"). A missing file, an empty file, a directory, a sound file
    /// without a video stream, or one FFmpeg cannot read as video throws a <see cref="VideoException"/> naming it.
    /// </summary>
    public static VideoSource Open(string pathOrUrl, VideoSourceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(pathOrUrl);
        options ??= new VideoSourceOptions();
        options.Format.BytesPerPixel();
        bool isUrl = pathOrUrl.Contains("://", StringComparison.Ordinal);
        if (!isUrl)
        {
            if (Directory.Exists(pathOrUrl))
            {
                throw new VideoException(pathOrUrl, "is a directory, not a video file");
            }
            var file = new FileInfo(pathOrUrl);
            if (!file.Exists)
            {
                throw new VideoException(pathOrUrl, "no such file");
            }
            if (file.Length == 0)
            {
                throw new VideoException(pathOrUrl, "the file is empty");
            }
        }
        OpenCvRuntime.EnsureReady();
        var capture = new VideoCapture(pathOrUrl, VideoCaptureAPIs.FFMPEG);
        try
        {
            if (!capture.IsOpened())
            {
                throw new VideoException(pathOrUrl, isUrl ? "cannot open the stream (unreachable, or not a video FFmpeg can read)"
                    : ContainerProbe.IsAudioOnly(pathOrUrl) ? "has no video stream (it holds sound only)"
                    : "not a video FFmpeg can read (unknown container or codec, or a damaged header)");
            }
            var facts = new StreamFacts(
                (int)capture.Get(VideoCaptureProperties.FrameWidth),
                (int)capture.Get(VideoCaptureProperties.FrameHeight),
                capture.Get(VideoCaptureProperties.Fps),
                CountOf(capture.Get(VideoCaptureProperties.FrameCount)),
                (int)(uint)(long)capture.Get(VideoCaptureProperties.FourCC));
            string codec = FourCc.Decode(facts.FourCc);
            // FFmpeg's tty demuxer renders any text file as ANSI art; that is never a recorded video.
            if (codec == "ansi")
            {
                throw new VideoException(pathOrUrl, "not a video FFmpeg can read (it is text, which FFmpeg would only render as ANSI art)");
            }
            if (facts.Width <= 0 || facts.Height <= 0)
            {
                throw new VideoException(pathOrUrl, $"the video stream reports an unusable frame size {facts.Width}x{facts.Height}");
            }
            int pixelFormat = (int)(uint)(long)capture.Get(VideoCaptureProperties.CodecPixelFormat);
            bool luma = options.Format == PixelFormat.Gray && options.Gray == GrayConversion.Luma
                && LumaPlanes.HasLumaPlane(pixelFormat) && capture.Set(VideoCaptureProperties.ConvertRgb, 0);
            return new VideoSource(pathOrUrl, capture, options, facts, luma, LumaPlanes.IsFullRange(pixelFormat, codec));
        }
        catch
        {
            capture.Dispose();
            throw;
        }
    }

    /// <summary>Decodes the next frame into a packed buffer (stride <see cref="RowBytes"/>); false at the end of the stream.</summary>
    public bool Read(Span<byte> frame, out VideoFrameInfo info) => Read(frame, RowBytes, out info);

    /// <summary>
    /// Decodes the next frame into frame, row y at y·stride, in <see cref="Format"/>. Returns false at the end of the
    /// stream. frame must hold (Height − 1)·stride + <see cref="RowBytes"/> bytes; a buffer that does not fit throws a
    /// <see cref="FrameFormatException"/> before anything is decoded.
    /// </summary>
    public bool Read(Span<byte> frame, int stride, out VideoFrameInfo info)
    {
        ThrowIfDisposed();
        long needed = (Height - 1L) * stride + RowBytes;
        if (stride < RowBytes || frame.Length < needed)
        {
            throw new FrameFormatException(stride < RowBytes
                ? $"{Path}: cannot read frame {FrameIndex} into the buffer: stride {stride} is less than a row of {RowBytes} bytes"
                : $"{Path}: cannot read frame {FrameIndex} into the buffer: buffer of {frame.Length} bytes is smaller than the {needed} the frame needs");
        }
        if (!Decode(out info))
        {
            return false;
        }
        fixed (byte* destination = frame)
        {
            Convert(destination, stride);
        }
        return true;
    }

    /// <summary>
    /// Decodes the next frame and lends it in <see cref="Format"/> without copying it out: row y at y·stride of frame,
    /// valid until the next Read, Grab, Seek or Dispose. BGR frames (and full-range luma) are OpenCV's own decoded
    /// buffer; other layouts are converted once into a buffer this source owns. False at the end of the stream.
    /// </summary>
    public bool Read(out ReadOnlySpan<byte> frame, out int stride, out VideoFrameInfo info)
    {
        ThrowIfDisposed();
        frame = default;
        stride = 0;
        if (!Decode(out info))
        {
            return false;
        }
        if (Format == PixelFormat.Bgr || (_luma && _fullRange))
        {
            stride = (int)_decoded.Step();
            frame = new ReadOnlySpan<byte>((byte*)_decoded.Data, (Height - 1) * stride + RowBytes);
            return true;
        }
        fixed (byte* converted = _converted)
        {
            Convert(converted, RowBytes);
        }
        frame = _converted;
        stride = RowBytes;
        return true;
    }

    /// <summary>Decodes the next frame without handing it out (counting, skipping); false at the end.</summary>
    public bool Grab(out VideoFrameInfo info)
    {
        ThrowIfDisposed();
        info = default;
        if (_ended)
        {
            return false;
        }
        OpenCvRuntime.Check(NativeMethods.videoio_VideoCapture_grab(_capture.CvPtr, out int grabbed));
        GC.KeepAlive(this);
        return Advance(grabbed != 0, out info);
    }

    /// <summary>
    /// Makes frameIndex the next frame Read returns. Forward seeks decode the frames in between (exact for every
    /// stream); backward seeks use OpenCV's CAP_PROP_POS_FRAMES, which lands exactly on constant-frame-rate files and
    /// by timestamp (index/fps) on variable-frame-rate ones.
    /// </summary>
    public void Seek(int frameIndex)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(frameIndex);
        if (frameIndex >= FrameIndex)
        {
            while (FrameIndex < frameIndex && Grab(out _))
            {
            }
            return;
        }
        if (!_capture.Set(VideoCaptureProperties.PosFrames, frameIndex))
        {
            throw new VideoException(Path, $"cannot seek to frame {frameIndex}: the stream cannot seek", frameIndex);
        }
        FrameIndex = frameIndex;
        _lastTimestamp = null;
        _ended = false;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _decoded.Dispose();
        _capture.Dispose();
    }

    private static long CountOf(double frames) => double.IsFinite(frames) && frames > 0 && frames < 9.0e18 ? (long)frames : 0;

    // cv::VideoCapture::read into the reused Mat (OpenCV keeps its buffer when size and type repeat).
    private bool Decode(out VideoFrameInfo info)
    {
        info = default;
        if (_ended)
        {
            return false;
        }
        OpenCvRuntime.Check(NativeMethods.videoio_VideoCapture_read_Mat(_capture.CvPtr, _decoded.CvPtr, out int read));
        GC.KeepAlive(this);
        if (read != 0 && (_decoded.Cols != Width || _decoded.Rows != Height || _decoded.Type() != (_luma ? MatType.CV_8UC1 : MatType.CV_8UC3)))
        {
            _ended = true;
            throw new VideoException(
                Path, $"decoding stopped at frame {FrameIndex}: the decoded frame is {_decoded.Cols}x{_decoded.Rows}, not the stream's {Width}x{Height}", FrameIndex);
        }
        return Advance(read != 0, out info);
    }

    // The decoded frame in Format at destination, rows stride apart.
    private void Convert(byte* destination, nint stride)
    {
        byte* source = (byte*)_decoded.Data;
        nint step = (nint)_decoded.Step();
        if (!_luma)
        {
            Cv.CvtColor(source, step, PixelFormat.Bgr, destination, stride, Format, Width, Height);
        }
        else if (_fullRange)
        {
            Cv.CopyRows(source, step, destination, stride, Width, Height);
        }
        else
        {
            for (int y = 0; y < Height; y++)
            {
                LumaRange.Expand(new ReadOnlySpan<byte>(source + y * step, Width), new Span<byte>(destination + y * stride, Width));
            }
        }
        GC.KeepAlive(this);
    }

    private bool Advance(bool decoded, out VideoFrameInfo info)
    {
        if (decoded)
        {
            OpenCvRuntime.Check(NativeMethods.videoio_VideoCapture_get(_capture.CvPtr, (int)VideoCaptureProperties.PosMsec, out double posMsec));
            GC.KeepAlive(this);
            double timestamp = Timestamp(posMsec);
            info = new VideoFrameInfo(FrameIndex, timestamp);
            _lastTimestamp = timestamp;
            FrameIndex++;
            return true;
        }
        info = default;
        _ended = true;
        ThrowIfTruncated();
        return false;
    }

    // A frame without a usable time (missing, negative, or not after the previous frame's) gets an extrapolation from
    // the frame rate; OpenCV reports 0 for a frame FFmpeg gave no timestamp.
    private double Timestamp(double posMsec)
    {
        double seconds = posMsec / 1000.0;
        bool usable = double.IsFinite(seconds) && seconds >= 0
            && (seconds > 0 || FrameIndex == 0)
            && (_lastTimestamp is not double last || seconds > last);
        if (usable)
        {
            return seconds;
        }
        double interval = Fps > 0 ? 1.0 / Fps : 0;
        return _lastTimestamp is double previous ? previous + interval : FrameIndex * interval;
    }

    // OpenCV's read fails alike at the end and where a broken stream stops decoding. Containers declare a frame count
    // (AVI, MP4) or a duration OpenCV turns into one (Matroska, WebM). The count alone over-estimates
    // variable-frame-rate streams, so a break also needs the last timestamp to fall short of the declared length by
    // more than two frame intervals.
    private void ThrowIfTruncated()
    {
        if (!_options.DetectTruncation || DeclaredFrameCount is not int declared || FrameIndex >= declared)
        {
            return;
        }
        if (Fps > 0 && _lastTimestamp is double last)
        {
            double interval = 1.0 / Fps;
            if (last + interval >= declared * interval - 2 * interval)
            {
                return;
            }
        }
        throw new VideoException(
            Path,
            $"the stream breaks at frame {FrameIndex}: the container declares {declared} frames (truncated or corrupt file)",
            FrameIndex);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    private readonly record struct StreamFacts(int Width, int Height, double Fps, long DeclaredFrames, int FourCc);
}
