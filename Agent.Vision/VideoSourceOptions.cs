namespace Agent.Vision;

/// <summary>How a <see cref="VideoSource"/> hands out frames.</summary>
public sealed record VideoSourceOptions
{
    /// <summary>
    /// Layout <see cref="VideoSource.Read(Span{byte}, out VideoFrameInfo)"/> writes. Bgr is decoded straight into the
    /// caller's buffer; every other layout is one cv::cvtColor from a reused BGR buffer (Gray is exactly
    /// cv::COLOR_BGR2GRAY). Default Bgr.
    /// </summary>
    public PixelFormat Format { get; init; } = PixelFormat.Bgr;

    /// <summary>
    /// When the stream ends before the frame count its container declares, and its last timestamp is more than two
    /// frame intervals short of the declared length, the read that meets the end throws a <see cref="VideoException"/>
    /// naming the frame index (a truncated or corrupt file) instead of returning false. Default true.
    /// </summary>
    public bool DetectTruncation { get; init; } = true;
}
