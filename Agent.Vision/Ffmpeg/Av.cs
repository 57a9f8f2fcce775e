using System.Runtime.InteropServices;

namespace AgentRnn.Vision.Ffmpeg;

/// <summary>
/// The system's FFmpeg 5.1 shared libraries (Debian 12's libavformat59, libavcodec59, libavutil57, libswscale6, which
/// the `ffmpeg` package pulls in and which Debian's own OpenCV and cv2 decode through), bound with [LibraryImport]:
/// nothing to compile. Only the ABI these offsets were validated for is used: <see cref="Available"/> is true when all
/// four libraries load and report exactly these major versions; any other major version (or another OS) is refused and
/// callers fall back to OpenCvSharp. The field offsets below were printed with offsetof() against Debian 12's headers
/// (libavformat-dev 5.1) and hold for every minor release of these majors (FFmpeg only appends public fields within a
/// major version).
/// </summary>
internal static unsafe partial class Av
{
    public const string FormatLibrary = "libavformat.so.59";
    public const string CodecLibrary = "libavcodec.so.59";
    public const string UtilLibrary = "libavutil.so.57";
    public const string ScaleLibrary = "libswscale.so.6";

    /// <summary>The major versions whose struct layouts are below (FFmpeg 5.1).</summary>
    public const int FormatMajor = 59, CodecMajor = 59, UtilMajor = 57, ScaleMajor = 6;

    // AVFormatContext
    public const int FormatNbStreams = 44, FormatStreams = 48, FormatDuration = 72;

    // AVStream
    public const int StreamTimeBase = 16, StreamStartTime = 24, StreamDuration = 32, StreamNbFrames = 40,
        StreamAvgFrameRate = 72, StreamRFrameRate = 200, StreamCodecPar = 208;

    // AVCodecParameters
    public const int ParCodecType = 0, ParCodecId = 4, ParCodecTag = 8, ParFormat = 28, ParWidth = 56, ParHeight = 60, ParColorRange = 76;

    // AVFrame (data[8] at 0 and linesize[8] at 64 are the same in every FFmpeg)
    public const int FrameData = 0, FrameLinesize = 64, FrameWidth = 104, FrameHeight = 108, FrameFormat = 116,
        FrameColorRange = 320, FrameBestEffortTimestamp = 344;

    // AVPacket
    public const int PacketStreamIndex = 36;

    public const int MediaTypeVideo = 0;
    public const int ErrorAgain = -11;
    public const int ErrorEof = -541478725;
    public const long NoPts = long.MinValue;
    public const int PixelFormatBgr24 = 3;
    public const int ColorRangeJpeg = 2;
    public const int SwsBicubic = 4;
    public const int ThreadFrame = 1, ThreadSlice = 2;
    public const int PacketDataDisplayMatrix = 5;
    public const int LogQuiet = -8;

    private static readonly Lazy<string?> Refusal = new(Probe);

    /// <summary>True when the four libraries load with the major versions above.</summary>
    public static bool Available => Refusal.Value is null;

    /// <summary>Why the system FFmpeg is not used (missing library, other major version, other OS); null when it is.</summary>
    public static string? WhyUnavailable => Refusal.Value;

    [StructLayout(LayoutKind.Sequential)]
    public readonly struct Rational
    {
        public readonly int Num;
        public readonly int Den;

        public double Value => Den == 0 ? 0 : (double)Num / Den;
    }

    public static T Field<T>(void* structure, int offset)
        where T : unmanaged => *(T*)((byte*)structure + offset);

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            return "the system FFmpeg binding is for Linux x64";
        }
        foreach (string library in new[] { UtilLibrary, CodecLibrary, FormatLibrary, ScaleLibrary })
        {
            if (!NativeLibrary.TryLoad(library, out _))
            {
                return $"{library} does not load (Debian's ffmpeg package installs it)";
            }
        }
        (string Name, uint Version, int Major)[] versions =
        [
            (UtilLibrary, avutil_version(), UtilMajor), (CodecLibrary, avcodec_version(), CodecMajor),
            (FormatLibrary, avformat_version(), FormatMajor), (ScaleLibrary, swscale_version(), ScaleMajor),
        ];
        foreach ((string name, uint version, int major) in versions)
        {
            if (version >> 16 != major)
            {
                return $"{name} reports major version {version >> 16}, not the {major} this binding knows";
            }
        }
        // FFmpeg's own log stays silent unless asked for, as OpenCV's backend does: every failure is reported as a typed exception.
        if (Environment.GetEnvironmentVariable("OPENCV_FFMPEG_LOGLEVEL") is not string level || !int.TryParse(level, out int wanted))
        {
            wanted = LogQuiet;
        }
        av_log_set_level(wanted);
        return null;
    }

    [LibraryImport(UtilLibrary)]
    public static partial uint avutil_version();

    [LibraryImport(UtilLibrary)]
    public static partial void av_log_set_level(int level);

    [LibraryImport(UtilLibrary)]
    public static partial void* av_frame_alloc();

    [LibraryImport(UtilLibrary)]
    public static partial void av_frame_free(void** frame);

    [LibraryImport(UtilLibrary, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int av_opt_set_int(void* obj, string name, long value, int searchFlags);

    [LibraryImport(UtilLibrary)]
    public static partial double av_display_rotation_get(int* matrix);

    [LibraryImport(CodecLibrary)]
    public static partial uint avcodec_version();

    [LibraryImport(CodecLibrary)]
    public static partial void* avcodec_find_decoder(int codecId);

    [LibraryImport(CodecLibrary)]
    public static partial byte* avcodec_get_name(int codecId);

    [LibraryImport(CodecLibrary)]
    public static partial void* avcodec_alloc_context3(void* codec);

    [LibraryImport(CodecLibrary)]
    public static partial void avcodec_free_context(void** context);

    [LibraryImport(CodecLibrary)]
    public static partial int avcodec_parameters_to_context(void* context, void* parameters);

    [LibraryImport(CodecLibrary)]
    public static partial int avcodec_open2(void* context, void* codec, void** options);

    [LibraryImport(CodecLibrary)]
    public static partial int avcodec_send_packet(void* context, void* packet);

    [LibraryImport(CodecLibrary)]
    public static partial int avcodec_receive_frame(void* context, void* frame);

    [LibraryImport(CodecLibrary)]
    public static partial void* av_packet_alloc();

    [LibraryImport(CodecLibrary)]
    public static partial void av_packet_free(void** packet);

    [LibraryImport(CodecLibrary)]
    public static partial void av_packet_unref(void* packet);

    [LibraryImport(FormatLibrary)]
    public static partial uint avformat_version();

    [LibraryImport(FormatLibrary, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int avformat_open_input(void** context, string url, void* format, void** options);

    [LibraryImport(FormatLibrary)]
    public static partial int avformat_find_stream_info(void* context, void** options);

    [LibraryImport(FormatLibrary)]
    public static partial void avformat_close_input(void** context);

    [LibraryImport(FormatLibrary)]
    public static partial int av_read_frame(void* context, void* packet);

    [LibraryImport(FormatLibrary)]
    public static partial byte* av_stream_get_side_data(void* stream, int type, nuint* size);

    [LibraryImport(ScaleLibrary)]
    public static partial uint swscale_version();

    [LibraryImport(ScaleLibrary)]
    public static partial void* sws_getCachedContext(
        void* context, int srcW, int srcH, int srcFormat, int dstW, int dstH, int dstFormat, int flags, void* srcFilter, void* dstFilter, double* param);

    [LibraryImport(ScaleLibrary)]
    public static partial int sws_scale(void* context, byte** src, int* srcStride, int srcSliceY, int srcSliceH, byte** dst, int* dstStride);

    [LibraryImport(ScaleLibrary)]
    public static partial void sws_freeContext(void* context);
}
