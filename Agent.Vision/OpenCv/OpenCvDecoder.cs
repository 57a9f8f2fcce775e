using OpenCvSharp;
using OpenCvSharp.Internal;

namespace AgentRnn.Vision.OpenCv;

/// <summary>
/// Decodes through OpenCvSharp's cv::VideoCapture (OpenCV 4.13's FFmpeg backend, FFmpeg 7.1 bundled in the runtime
/// package): BGR frames, or with CAP_PROP_CONVERT_RGB off the luma plane. Every platform OpenCvSharp has a runtime for.
/// </summary>
internal sealed unsafe class OpenCvDecoder : FrameDecoder
{
    private readonly VideoCapture _capture;
    private readonly Mat _decoded = new();

    private OpenCvDecoder(VideoCapture capture, int width, int height, double fps, long declared, string codec, bool luma, bool fullRange)
    {
        _capture = capture;
        Width = width;
        Height = height;
        Fps = fps;
        DeclaredFrames = declared;
        Codec = codec;
        Luma = luma;
        FullRange = fullRange;
    }

    /// <inheritdoc />
    public override VideoDecoder Kind => VideoDecoder.OpenCvSharp;

    /// <summary>Opens pathOrUrl; what cannot be opened throws a <see cref="VideoException"/> naming it and saying why.</summary>
    public static OpenCvDecoder Open(string pathOrUrl, bool isUrl, bool lumaWanted)
    {
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
            int width = (int)capture.Get(VideoCaptureProperties.FrameWidth);
            int height = (int)capture.Get(VideoCaptureProperties.FrameHeight);
            double frames = capture.Get(VideoCaptureProperties.FrameCount);
            long declared = double.IsFinite(frames) && frames > 0 && frames < 9.0e18 ? (long)frames : 0;
            string codec = FourCc.Decode((int)(uint)(long)capture.Get(VideoCaptureProperties.FourCC));
            // FFmpeg's tty demuxer renders any text file as ANSI art; that is never a recorded video.
            if (codec == "ansi")
            {
                throw new VideoException(pathOrUrl, "not a video FFmpeg can read (it is text, which FFmpeg would only render as ANSI art)");
            }
            if (width <= 0 || height <= 0)
            {
                throw new VideoException(pathOrUrl, $"the video stream reports an unusable frame size {width}x{height}");
            }
            int pixelFormat = (int)(uint)(long)capture.Get(VideoCaptureProperties.CodecPixelFormat);
            bool luma = lumaWanted && LumaPlanes.HasLumaPlane(pixelFormat) && capture.Set(VideoCaptureProperties.ConvertRgb, 0);
            return new OpenCvDecoder(
                capture, width, height, capture.Get(VideoCaptureProperties.Fps), declared, codec, luma, LumaPlanes.IsFullRange(pixelFormat, codec));
        }
        catch
        {
            capture.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public override bool Next(bool convert, out double seconds)
    {
        int decoded;
        if (convert)
        {
            // cv::VideoCapture::read into the reused Mat (OpenCV keeps its buffer when size and type repeat).
            OpenCvRuntime.Check(NativeMethods.videoio_VideoCapture_read_Mat(_capture.CvPtr, _decoded.CvPtr, out decoded));
        }
        else
        {
            OpenCvRuntime.Check(NativeMethods.videoio_VideoCapture_grab(_capture.CvPtr, out decoded));
        }
        seconds = double.NaN;
        if (decoded == 0)
        {
            GC.KeepAlive(this);
            return false;
        }
        OpenCvRuntime.Check(NativeMethods.videoio_VideoCapture_get(_capture.CvPtr, (int)VideoCaptureProperties.PosMsec, out double posMsec));
        seconds = posMsec / 1000.0;
        if (convert)
        {
            bool layout = _decoded.Type() == (Luma ? MatType.CV_8UC1 : MatType.CV_8UC3);
            FrameWidth = layout ? _decoded.Cols : 0;
            FrameHeight = layout ? _decoded.Rows : 0;
            Data = (byte*)_decoded.Data;
            Step = (nint)_decoded.Step();
        }
        GC.KeepAlive(this);
        return true;
    }

    /// <inheritdoc />
    public override int Rewind(int frameIndex)
    {
        // CAP_PROP_POS_FRAMES lands exactly on constant-frame-rate files and by timestamp (index/fps) on variable ones.
        if (!_capture.Set(VideoCaptureProperties.PosFrames, frameIndex))
        {
            throw new InvalidOperationException("the stream cannot seek");
        }
        return frameIndex;
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _decoded.Dispose();
        _capture.Dispose();
    }
}
