using System.Runtime.InteropServices;
using System.Text;

namespace AgentRnn.Vision.Ffmpeg;

/// <summary>
/// Decodes through the system's FFmpeg 5.1 (<see cref="Av"/>) the way OpenCV 4.6's FFmpeg backend does, so that BGR
/// frames equal Debian's cv2.VideoCapture byte for byte: the first video stream, its codec's default decoder with frame
/// and slice threads, and sws_scale to BGR24 at the same size with SWS_BICUBIC and default colour details. Luma frames
/// are the decoded Y plane itself (no conversion). Timestamps are each frame's best-effort timestamp from the stream's
/// start (also for frames drained at the end). A packet the decoder rejects is skipped, as the ffmpeg CLI does; where the
/// stream ends early, <see cref="VideoSource"/> tells a truncated file from a short one. Backward seeks reopen the
/// file and decode forward (exact for every stream). Per frame: no managed allocation; FFmpeg reuses its buffers.
/// </summary>
internal sealed unsafe class SystemFfmpegDecoder : FrameDecoder
{
    // 8-bit formats whose plane 0 is luma, one byte per pixel: yuv420p, yuv422p, yuv444p, yuv410p, yuv411p, gray8,
    // yuvj420p, yuvj422p, yuvj444p, nv12, nv21, yuv440p, yuvj440p, yuvj411p.
    private static readonly int[] LumaFormats = [0, 4, 5, 6, 7, 8, 12, 13, 14, 23, 24, 31, 32, 138];

    // The full-range ones among them: gray8 and the yuvj* formats (JPEG range).
    private static readonly int[] FullRangeFormats = [8, 12, 13, 14, 32, 138];

    private readonly string _path;
    private readonly int _threads;
    private void* _format;
    private void* _codec;
    private void* _packet;
    private void* _frame;
    private void* _scaler;
    private int _stream;
    private double _timeBase;
    private long _startTime;
    private bool _draining;
    private byte* _bgr;
    private int _bgrStep;
    private byte** _dstData;
    private int* _dstStride;

    private SystemFfmpegDecoder(string path, int threads, bool lumaWanted)
    {
        _path = path;
        _threads = threads;
        OpenStream();
        void* stream = StreamAt(_stream);
        void* parameters = Av.Field<nint>(stream, Av.StreamCodecPar).ToPointer();
        Width = Av.Field<int>(parameters, Av.ParWidth);
        Height = Av.Field<int>(parameters, Av.ParHeight);
        int pixelFormat = Av.Field<int>(parameters, Av.ParFormat);
        double fps = Av.Field<Av.Rational>(stream, Av.StreamRFrameRate).Value;
        if (!(fps > 0))
        {
            fps = Av.Field<Av.Rational>(stream, Av.StreamAvgFrameRate).Value;
        }
        Fps = fps;
        double duration = Av.Field<long>(_format, Av.FormatDuration) / 1e6;
        if (!(duration > 1e-6))
        {
            duration = Av.Field<long>(stream, Av.StreamDuration) * _timeBase;
        }
        DeclaredFrames = FrameCount(Av.Field<long>(stream, Av.StreamNbFrames), duration, fps);
        Codec = FourCcOf(Av.Field<int>(parameters, Av.ParCodecId), Av.Field<uint>(parameters, Av.ParCodecTag));
        Luma = lumaWanted && LumaFormats.Contains(pixelFormat);
        FullRange = FullRangeFormats.Contains(pixelFormat) || Av.Field<int>(parameters, Av.ParColorRange) == Av.ColorRangeJpeg;
        _dstData = (byte**)NativeMemory.AllocZeroed(4, (nuint)sizeof(byte*));
        _dstStride = (int*)NativeMemory.AllocZeroed(4, sizeof(int));
        if (!Luma)
        {
            // Rows 64-byte aligned; 64 spare bytes after the last row for the scaler's vector stores.
            _bgrStep = (Width * 3 + 63) & ~63;
            _bgr = (byte*)NativeMemory.AlignedAlloc((nuint)((long)_bgrStep * Height + 64), 64);
            _dstData[0] = _bgr;
            _dstStride[0] = _bgrStep;
        }
    }

    /// <inheritdoc />
    public override VideoDecoder Kind => VideoDecoder.SystemFfmpeg;

    /// <summary>
    /// Opens path with the system's FFmpeg, or returns null where it cannot (libraries absent or of another major
    /// version, no video stream, no decoder, a rotated stream, anything FFmpeg refuses): the caller falls back to
    /// OpenCvSharp, which also words the errors.
    /// </summary>
    public static SystemFfmpegDecoder? TryOpen(string path, bool lumaWanted)
    {
        if (!Av.Available)
        {
            return null;
        }
        try
        {
            var decoder = new SystemFfmpegDecoder(path, Math.Clamp(Environment.ProcessorCount, 1, 16), lumaWanted);
            if (decoder.Width <= 0 || decoder.Height <= 0 || decoder.Codec == "ansi")
            {
                decoder.Dispose();
                return null;
            }
            return decoder;
        }
        catch (CannotOpenException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public override bool Next(bool convert, out double seconds)
    {
        seconds = double.NaN;
        if (!Receive())
        {
            return false;
        }
        long pts = Av.Field<long>(_frame, Av.FrameBestEffortTimestamp);
        if (pts != Av.NoPts)
        {
            seconds = (pts - (_startTime == Av.NoPts ? 0 : _startTime)) * _timeBase;
        }
        if (convert)
        {
            Convert();
        }
        return true;
    }

    /// <inheritdoc />
    public override int Rewind(int frameIndex)
    {
        CloseStream();
        OpenStream();
        return 0;
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        CloseStream();
        if (_bgr != null)
        {
            NativeMemory.AlignedFree(_bgr);
            _bgr = null;
        }
        NativeMemory.Free(_dstData);
        NativeMemory.Free(_dstStride);
        _dstData = null;
        _dstStride = null;
    }

    // Receives the next decoded frame, feeding packets of the video stream as the decoder asks; at the end of the
    // file (or a read error) drains the decoder.
    private bool Receive()
    {
        while (true)
        {
            int received = Av.avcodec_receive_frame(_codec, _frame);
            if (received == 0)
            {
                return true;
            }
            if (received != Av.ErrorAgain || _draining)
            {
                return false;
            }
            if (Av.av_read_frame(_format, _packet) < 0)
            {
                _draining = true;
                _ = Av.avcodec_send_packet(_codec, null);
                continue;
            }
            if (Av.Field<int>(_packet, Av.PacketStreamIndex) == _stream)
            {
                // A packet the decoder rejects (corrupt data) is skipped; later ones may decode.
                _ = Av.avcodec_send_packet(_codec, _packet);
            }
            Av.av_packet_unref(_packet);
        }
    }

    private void Convert()
    {
        int width = Av.Field<int>(_frame, Av.FrameWidth);
        int height = Av.Field<int>(_frame, Av.FrameHeight);
        int format = Av.Field<int>(_frame, Av.FrameFormat);
        byte** planes = (byte**)((byte*)_frame + Av.FrameData);
        int* lines = (int*)((byte*)_frame + Av.FrameLinesize);
        FrameWidth = width;
        FrameHeight = height;
        if (width != Width || height != Height)
        {
            return;
        }
        if (Luma)
        {
            if (Array.IndexOf(LumaFormats, format) < 0 || lines[0] < width)
            {
                FrameWidth = FrameHeight = 0;
                return;
            }
            Data = planes[0];
            Step = lines[0];
            return;
        }
        _scaler = Av.sws_getCachedContext(_scaler, width, height, format, width, height, Av.PixelFormatBgr24, Av.SwsBicubic, null, null, null);
        if (_scaler == null)
        {
            throw new VideoException(_path, $"cannot convert the decoded frames (FFmpeg pixel format {format}) to BGR");
        }
        _ = Av.sws_scale(_scaler, planes, lines, 0, height, _dstData, _dstStride);
        Data = _bgr;
        Step = _bgrStep;
    }

    private void OpenStream()
    {
        void* format = null;
        if (Av.avformat_open_input(&format, _path, null, null) < 0)
        {
            throw new CannotOpenException();
        }
        _format = format;
        if (Av.avformat_find_stream_info(_format, null) < 0)
        {
            throw Closing();
        }
        int count = Av.Field<int>(_format, Av.FormatNbStreams);
        _stream = -1;
        for (int i = 0; i < count; i++)
        {
            void* parameters = Av.Field<nint>(StreamAt(i), Av.StreamCodecPar).ToPointer();
            if (Av.Field<int>(parameters, Av.ParCodecType) == Av.MediaTypeVideo)
            {
                _stream = i;
                break;
            }
        }
        if (_stream < 0)
        {
            throw Closing();
        }
        void* stream = StreamAt(_stream);
        // OpenCV turns frames by the display matrix; such streams stay with OpenCvSharp, which does the same.
        nuint size = 0;
        byte* matrix = Av.av_stream_get_side_data(stream, Av.PacketDataDisplayMatrix, &size);
        if (matrix != null && size >= 36 && Math.Abs(Av.av_display_rotation_get((int*)matrix)) > 0.5)
        {
            throw Closing();
        }
        void* parameters0 = Av.Field<nint>(stream, Av.StreamCodecPar).ToPointer();
        void* codec = Av.avcodec_find_decoder(Av.Field<int>(parameters0, Av.ParCodecId));
        if (codec == null)
        {
            throw Closing();
        }
        _codec = Av.avcodec_alloc_context3(codec);
        if (_codec == null || Av.avcodec_parameters_to_context(_codec, parameters0) < 0)
        {
            throw Closing();
        }
        _ = Av.av_opt_set_int(_codec, "threads", _threads, 0);
        _ = Av.av_opt_set_int(_codec, "thread_type", Av.ThreadFrame | Av.ThreadSlice, 0);
        if (Av.avcodec_open2(_codec, codec, null) < 0)
        {
            throw Closing();
        }
        _timeBase = Av.Field<Av.Rational>(stream, Av.StreamTimeBase).Value;
        _startTime = Av.Field<long>(stream, Av.StreamStartTime);
        _packet = Av.av_packet_alloc();
        _frame = Av.av_frame_alloc();
        if (_packet == null || _frame == null)
        {
            throw Closing();
        }
        _draining = false;
    }

    private CannotOpenException Closing()
    {
        CloseStream();
        return new CannotOpenException();
    }

    private void CloseStream()
    {
        void* packet = _packet, frame = _frame, codec = _codec, format = _format, scaler = _scaler;
        if (packet != null)
        {
            Av.av_packet_free(&packet);
        }
        if (frame != null)
        {
            Av.av_frame_free(&frame);
        }
        if (codec != null)
        {
            Av.avcodec_free_context(&codec);
        }
        if (format != null)
        {
            Av.avformat_close_input(&format);
        }
        if (scaler != null)
        {
            Av.sws_freeContext(scaler);
        }
        _packet = _frame = _codec = _format = _scaler = null;
    }

    private void* StreamAt(int index) => ((void**)Av.Field<nint>(_format, Av.FormatStreams))[index];

    // OpenCV's CAP_PROP_FOURCC: the container's codec tag, else the first four letters of FFmpeg's codec name.
    private static string FourCcOf(int codecId, uint tag)
    {
        if (tag != 0 || codecId == 0)
        {
            return FourCc.Decode((int)tag);
        }
        byte* name = Av.avcodec_get_name(codecId);
        string text = name == null ? "" : Marshal.PtrToStringUTF8((nint)name) ?? "";
        return text.Length < 4 || text == "unknown_codec" ? FourCc.Decode((int)tag) : text[..4];
    }

    private sealed class CannotOpenException : Exception
    {
    }
}
