using System.Runtime.InteropServices;
using AgentRnn.Vision.Interop;

namespace AgentRnn.Vision;

/// <summary>
/// A video file (any container and codec Debian's FFmpeg reads) or a stream URL, decoded frame by frame into
/// caller-owned buffers. Color layouts (and gray with <see cref="VideoSourceOptions.ExactGray"/>) come from OpenCV's
/// FFmpeg backend, which converts every frame to BGR; gray by default comes from the luma decoder, which uses FFmpeg's
/// libraries directly and hands out the luma plane of YUV frames (see <see cref="VideoSourceOptions.Format"/> for the
/// gray values). Both decode with frame threads (OpenCV: one per CPU; the luma decoder: FFmpeg's choice) and report
/// the same size, frame rate, declared count, codec, frames and timestamps for a given file.
/// Contract: one thread uses an instance at a time. <see cref="Read(Span{byte}, out VideoFrameInfo)"/> and
/// <see cref="Grab"/> allocate nothing. Frames decoded before an error are delivered; the read that meets the error
/// throws a <see cref="VideoException"/> naming the file and the frame index.
/// </summary>
public sealed class VideoSource : IDisposable
{
    /// <summary>Thread count that lets FFmpeg choose (one more than the CPUs, for frame threading).</summary>
    private const int AutomaticThreads = 0;

    private readonly VideoCaptureHandle? _capture;
    private readonly LumaDecoderHandle? _luma;
    private readonly SafeHandle _handle;
    private readonly VideoSourceOptions _options;
    private double? _lastTimestamp;
    private bool _ended;

    private VideoSource(string path, SafeHandle handle, VideoSourceOptions options, in NativeVideoInfo info)
    {
        Path = path;
        _handle = handle;
        _capture = handle as VideoCaptureHandle;
        _luma = handle as LumaDecoderHandle;
        _options = options;
        Width = info.Width;
        Height = info.Height;
        Fps = double.IsFinite(info.Fps) && info.Fps > 0 ? info.Fps : 0;
        DeclaredFrameCount = info.DeclaredFrames is > 0 and <= int.MaxValue ? (int)info.DeclaredFrames : null;
        Codec = FourCc.Decode(info.FourCc);
        Format = options.Format;
        RowBytes = Width * Format.BytesPerPixel();
    }

    /// <summary>The file path or URL it was opened with.</summary>
    public string Path { get; }

    /// <summary>Frame width in pixels.</summary>
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

    /// <summary>The layout <see cref="Read(Span{byte}, out VideoFrameInfo)"/> writes.</summary>
    public PixelFormat Format { get; }

    /// <summary>
    /// True when frames come from the luma decoder (Gray without <see cref="VideoSourceOptions.ExactGray"/>), false when
    /// they come from OpenCV's FFmpeg backend through BGR.
    /// </summary>
    public bool UsesLumaDecoder => _luma is not null;

    /// <summary>Bytes in one packed row: Width × bytes per pixel of <see cref="Format"/>.</summary>
    public int RowBytes { get; }

    /// <summary>Bytes in one packed frame: Height × <see cref="RowBytes"/>.</summary>
    public int FrameBytes => Height * RowBytes;

    /// <summary>The 0-based index of the frame the next Read or Grab returns.</summary>
    public int FrameIndex { get; private set; }

    /// <summary>
    /// Opens a file or a stream URL (anything with "://"). A missing file, an empty file, or one FFmpeg cannot read as
    /// video throws a <see cref="VideoException"/> naming it.
    /// </summary>
    public static VideoSource Open(string pathOrUrl, VideoSourceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(pathOrUrl);
        options ??= new VideoSourceOptions();
        options.Format.BytesPerPixel();
        bool isUrl = pathOrUrl.Contains("://", StringComparison.Ordinal);
        if (!isUrl)
        {
            var file = new FileInfo(pathOrUrl);
            if (Directory.Exists(pathOrUrl))
            {
                throw new VideoException(pathOrUrl, "is a directory, not a video file");
            }
            if (!file.Exists)
            {
                throw new VideoException(pathOrUrl, "no such file");
            }
            if (file.Length == 0)
            {
                throw new VideoException(pathOrUrl, "the file is empty");
            }
        }
        bool luma = options.Format == PixelFormat.Gray && !options.ExactGray;
        NativeStatus status = luma
            ? NativeMethods.videoio_LumaDecoder_open(pathOrUrl, AutomaticThreads, out nint raw)
            : NativeMethods.videoio_VideoCapture_open(pathOrUrl, out raw);
        if (status == NativeStatus.CannotOpen)
        {
            throw new VideoException(pathOrUrl, isUrl
                ? "cannot open the stream (unreachable, or not a video FFmpeg can read)"
                : "not a video FFmpeg can read (unknown container or codec, or a damaged header)");
        }
        NativeMethods.ThrowIfFailed(status);
        SafeHandle handle = luma ? new LumaDecoderHandle(raw) : new VideoCaptureHandle(raw);
        try
        {
            NativeMethods.ThrowIfFailed(handle is LumaDecoderHandle decoder
                ? NativeMethods.videoio_LumaDecoder_info(decoder, out NativeVideoInfo info)
                : NativeMethods.videoio_VideoCapture_info((VideoCaptureHandle)handle, out info));
            // FFmpeg's tty demuxer renders any text file as ANSI art; that is never a recorded video.
            if (FourCc.Decode(info.FourCc) == "ansi")
            {
                throw new VideoException(pathOrUrl, "not a video FFmpeg can read (it is text, which FFmpeg would only render as ANSI art)");
            }
            if (info.Width <= 0 || info.Height <= 0)
            {
                throw new VideoException(pathOrUrl, $"the video stream reports an unusable frame size {info.Width}x{info.Height}");
            }
            return new VideoSource(pathOrUrl, handle, options, info);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Decodes the next frame into a packed buffer (stride <see cref="RowBytes"/>); false at the end of the stream.</summary>
    public bool Read(Span<byte> frame, out VideoFrameInfo info) => Read(frame, RowBytes, out info);

    /// <summary>
    /// Decodes the next frame into frame, row y at y·stride, in <see cref="Format"/>. Returns false at the end of the
    /// stream. frame must hold (Height − 1)·stride + <see cref="RowBytes"/> bytes.
    /// </summary>
    public unsafe bool Read(Span<byte> frame, int stride, out VideoFrameInfo info)
    {
        ThrowIfDisposed();
        info = default;
        if (_ended)
        {
            return false;
        }
        NativeStatus status;
        double posMsec;
        fixed (byte* data = frame)
        {
            var image = new NativeImage(data, frame.Length, Width, Height, stride, Format);
            status = _luma is not null
                ? NativeMethods.videoio_LumaDecoder_read(_luma, &image, out posMsec)
                : NativeMethods.videoio_VideoCapture_read(_capture!, &image, out posMsec);
        }
        GC.KeepAlive(this);
        if (status == NativeStatus.BadArgument)
        {
            throw new FrameFormatException($"{Path}: cannot read frame {FrameIndex} into the buffer: {NativeMethods.LastError()}");
        }
        return Advance(status, posMsec, out info);
    }

    /// <summary>Decodes the next frame without converting or copying it (counting, skipping); false at the end.</summary>
    public bool Grab(out VideoFrameInfo info)
    {
        ThrowIfDisposed();
        info = default;
        if (_ended)
        {
            return false;
        }
        NativeStatus status = _luma is not null
            ? NativeMethods.videoio_LumaDecoder_grab(_luma, out double posMsec)
            : NativeMethods.videoio_VideoCapture_grab(_capture!, out posMsec);
        GC.KeepAlive(this);
        return Advance(status, posMsec, out info);
    }

    /// <summary>
    /// Makes frameIndex the next frame Read returns. Forward seeks decode the frames in between (exact for every
    /// stream). Backward seeks on the luma decoder are exact too (they restart from the nearest key frame already
    /// decoded, or from the start); on OpenCV's backend they use CAP_PROP_POS_FRAMES, which lands exactly on
    /// constant-frame-rate files and by timestamp (index/fps) on variable-frame-rate ones.
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
        NativeStatus status = _luma is not null
            ? NativeMethods.videoio_LumaDecoder_seek(_luma, frameIndex)
            : NativeMethods.videoio_VideoCapture_set_pos_frames(_capture!, frameIndex);
        GC.KeepAlive(this);
        if (status != NativeStatus.Ok)
        {
            throw new VideoException(Path, $"cannot seek to frame {frameIndex}: {NativeMethods.LastError()}", frameIndex);
        }
        FrameIndex = frameIndex;
        _lastTimestamp = null;
        _ended = false;
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();

    /// <summary>How the luma decoder made its last frame gray, its thread count and rotation; null on OpenCV's backend.</summary>
    internal NativeLumaDetails? LumaDetails()
    {
        ThrowIfDisposed();
        if (_luma is null)
        {
            return null;
        }
        NativeMethods.ThrowIfFailed(NativeMethods.videoio_LumaDecoder_details(_luma, out NativeLumaDetails details));
        return details;
    }

    private bool Advance(NativeStatus status, double posMsec, out VideoFrameInfo info)
    {
        switch (status)
        {
            case NativeStatus.Ok:
                double timestamp = Timestamp(posMsec);
                info = new VideoFrameInfo(FrameIndex, timestamp);
                _lastTimestamp = timestamp;
                FrameIndex++;
                return true;
            case NativeStatus.EndOfStream:
                info = default;
                _ended = true;
                ThrowIfTruncated();
                return false;
            default:
                info = default;
                _ended = true;
                var cause = new OpenCvException(status, NativeMethods.LastError());
                throw new VideoException(Path, $"decoding stopped at frame {FrameIndex}: {cause.OpenCvMessage}", FrameIndex, cause);
        }
    }

    // OpenCV reports 0 when FFmpeg gave the frame no timestamp (and decoders flushing their last frames at the end of
    // a stream with B-frames sometimes do), so a time that is missing or does not advance is replaced by an
    // extrapolation from the frame rate.
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

    // Containers declare a frame count (AVI, MP4) or a duration OpenCV turns into one (Matroska, WebM). The count alone
    // over-estimates variable-frame-rate streams, so a break also needs the last timestamp to fall short of the
    // declared length by more than two frame intervals.
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

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
}
