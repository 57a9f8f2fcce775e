using AgentRnn.Vision.Ffmpeg;
using AgentRnn.Vision.OpenCv;

namespace AgentRnn.Vision;

/// <summary>
/// A video file (any container and codec FFmpeg reads) or a stream URL, decoded frame by frame into caller-owned
/// buffers, or lent in place. The decoder (<see cref="VideoSourceOptions.Decoder"/>) is the system's FFmpeg where it loads
/// (Debian 12's FFmpeg 5.1, the libraries Debian's cv2 uses, so BGR frames equal cv2.VideoCapture's byte for byte and
/// H.264 decodes with FFmpeg's assembly), else OpenCvSharp's cv::VideoCapture. Frames decode to BGR; other layouts are
/// one cv::cvtColor from it. Gray frames are cv::COLOR_BGR2GRAY of that BGR frame by default (what
/// Python's cv2 gives), or with <see cref="GrayConversion.Luma"/> the decoded luma plane (<see cref="VideoSourceOptions.Gray"/>).
/// Frame counts are exact (every decoded frame, drained at the end), timestamps come from the stream
/// (<see cref="VideoFrameInfo"/>), and frames decoded before an error are delivered; the read that meets the error
/// throws a <see cref="VideoException"/> naming the file and the frame index.
/// Contract: one thread uses an instance at a time. Read, Grab and the lending Read allocate nothing.
/// </summary>
public sealed unsafe class VideoSource : IDisposable
{
    private readonly FrameDecoder _decoder;
    private readonly byte[] _converted;
    private readonly VideoSourceOptions _options;
    private readonly bool _luma;
    private readonly bool _fullRange;
    private double? _lastTimestamp;
    private bool _ended;
    private bool _disposed;

    private VideoSource(string path, FrameDecoder decoder, VideoSourceOptions options)
    {
        Path = path;
        _decoder = decoder;
        _options = options;
        _luma = decoder.Luma;
        _fullRange = decoder.FullRange;
        Width = decoder.Width;
        Height = decoder.Height;
        Fps = double.IsFinite(decoder.Fps) && decoder.Fps > 0 ? decoder.Fps : 0;
        DeclaredFrameCount = decoder.DeclaredFrames is > 0 and <= int.MaxValue ? (int)decoder.DeclaredFrames : null;
        Codec = decoder.Codec;
        Format = options.Format;
        Gray = Format != PixelFormat.Gray ? null : _luma ? GrayConversion.Luma : GrayConversion.CvtColor;
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

    /// <summary>The decoder in use: <see cref="VideoDecoder.SystemFfmpeg"/> or <see cref="VideoDecoder.OpenCvSharp"/>.</summary>
    public VideoDecoder Decoder => _decoder.Kind;

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
        bool luma = options.Format == PixelFormat.Gray && options.Gray == GrayConversion.Luma;
        VideoDecoder decoder = ChosenDecoder(options.Decoder);
        if (decoder == VideoDecoder.SystemFfmpeg && !Av.Available && options.Decoder == VideoDecoder.SystemFfmpeg)
        {
            throw new VideoException(pathOrUrl, $"the system FFmpeg decoder was asked for but cannot be used: {Av.WhyUnavailable}");
        }
        FrameDecoder? opened = decoder == VideoDecoder.SystemFfmpeg ? SystemFfmpegDecoder.TryOpen(pathOrUrl, luma) : null;
        opened ??= OpenCvDecoder.Open(pathOrUrl, isUrl, luma);
        return new VideoSource(pathOrUrl, opened, options);
    }

    /// <summary>
    /// Whether the system's FFmpeg decoder can be used here (Linux x64 with libavformat59, libavcodec59, libavutil57 and
    /// libswscale6); otherwise why not.
    /// </summary>
    public static (bool Available, string? Reason) SystemFfmpeg => (Av.Available, Av.WhyUnavailable);

    // The requested decoder, with AGENTRNN_VIDEO_DECODER (auto, ffmpeg, opencvsharp) overriding Auto.
    private static VideoDecoder ChosenDecoder(VideoDecoder requested)
    {
        if (requested == VideoDecoder.Auto)
        {
            requested = Environment.GetEnvironmentVariable("AGENTRNN_VIDEO_DECODER")?.Trim().ToLowerInvariant() switch
            {
                "opencvsharp" or "opencv" => VideoDecoder.OpenCvSharp,
                _ => VideoDecoder.SystemFfmpeg,
            };
        }
        return requested;
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
    /// valid until the next Read, Grab, Seek or Dispose. BGR frames (and full-range luma) are the decoder's own
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
            stride = (int)_decoder.Step;
            frame = new ReadOnlySpan<byte>(_decoder.Data, (Height - 1) * stride + RowBytes);
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
        return Advance(_decoder.Next(convert: false, out double seconds), seconds, out info);
    }

    /// <summary>
    /// Makes frameIndex the next frame Read returns. Forward seeks decode the frames in between (exact for every
    /// stream). Backward seeks with the system FFmpeg reopen the file and decode forward (exact for every stream); with
    /// OpenCvSharp they use CAP_PROP_POS_FRAMES, which lands exactly on constant-frame-rate files and by timestamp
    /// (index/fps) on variable-frame-rate ones.
    /// </summary>
    public void Seek(int frameIndex)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(frameIndex);
        if (frameIndex < FrameIndex)
        {
            int landed;
            try
            {
                landed = _decoder.Rewind(frameIndex);
            }
            catch (InvalidOperationException)
            {
                throw new VideoException(Path, $"cannot seek to frame {frameIndex}: the stream cannot seek", frameIndex);
            }
            FrameIndex = landed;
            _lastTimestamp = null;
            _ended = false;
        }
        while (FrameIndex < frameIndex && Grab(out _))
        {
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _decoder.Dispose();
    }

    // The next frame, converted (BGR or luma at the decoder's Data).
    private bool Decode(out VideoFrameInfo info)
    {
        info = default;
        if (_ended)
        {
            return false;
        }
        bool decoded = _decoder.Next(convert: true, out double seconds);
        if (decoded && (_decoder.FrameWidth != Width || _decoder.FrameHeight != Height))
        {
            _ended = true;
            throw new VideoException(
                Path, $"decoding stopped at frame {FrameIndex}: the decoded frame is {_decoder.FrameWidth}x{_decoder.FrameHeight}, not the stream's {Width}x{Height}", FrameIndex);
        }
        return Advance(decoded, seconds, out info);
    }

    // The decoded frame in Format at destination, rows stride apart.
    private void Convert(byte* destination, nint stride)
    {
        byte* source = _decoder.Data;
        nint step = _decoder.Step;
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
    }

    private bool Advance(bool decoded, double seconds, out VideoFrameInfo info)
    {
        if (decoded)
        {
            double timestamp = Timestamp(seconds);
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
    private double Timestamp(double seconds)
    {
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

    // Decoding ends alike at the end and where a broken stream stops. Containers declare a frame count
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
}
