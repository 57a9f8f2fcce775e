namespace AgentRnn.Vision;

/// <summary>How a <see cref="VideoSource"/> hands out frames.</summary>
public sealed record VideoSourceOptions
{
    /// <summary>
    /// Layout <see cref="VideoSource.Read(Span{byte}, out VideoFrameInfo)"/> writes. Frames decode to BGR;
    /// Rgb, Rgba, Bgra and Gray are one cv::cvtColor from it (Gray: see <see cref="Gray"/>). Default Bgr.
    /// </summary>
    public PixelFormat Format { get; init; } = PixelFormat.Bgr;

    /// <summary>
    /// With <see cref="Format"/> Gray: how frames become gray. Default <see cref="GrayConversion.CvtColor"/>, what
    /// Python's cv2.VideoCapture + cv2.cvtColor(BGR2GRAY) give. Ignored for other layouts.
    /// </summary>
    public GrayConversion Gray { get; init; } = GrayConversion.CvtColor;

    /// <summary>
    /// When the stream ends before the frame count its container declares, and its last timestamp is more than two
    /// frame intervals short of the declared length, the read that meets the end throws a <see cref="VideoException"/>
    /// naming the frame index (a truncated or corrupt file) instead of returning false. Default true.
    /// </summary>
    public bool DetectTruncation { get; init; } = true;

    /// <summary>
    /// Which library decodes: <see cref="VideoDecoder.Auto"/> (default) takes the system's FFmpeg where it loads and
    /// OpenCvSharp otherwise; the environment variable AGENTRNN_VIDEO_DECODER=opencvsharp forces OpenCvSharp for Auto.
    /// </summary>
    public VideoDecoder Decoder { get; init; } = VideoDecoder.Auto;
}
