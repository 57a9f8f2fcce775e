namespace AgentRnn.Vision;

/// <summary>How a <see cref="VideoSource"/> hands out frames.</summary>
public sealed record VideoSourceOptions
{
    /// <summary>
    /// Layout <see cref="VideoSource.Read(Span{byte}, out VideoFrameInfo)"/> writes. Bgr is decoded straight into the
    /// caller's buffer; Rgb, Rgba and Bgra are one cv::cvtColor from a reused BGR buffer. Gray comes from the luma
    /// decoder: for 8-bit YUV video (almost every H.264, HEVC, VP9, MPEG-4 and MJPEG file) the gray frame is the luma
    /// plane, expanded from limited range (16..235) to 0..255 as round((Y − 16)·255/219) unless the stream is full
    /// range (yuvj*, gray, or tagged full range), which is byte for byte what swscale and `ffmpeg -vf format=gray`
    /// produce. Against OpenCV's YUV → BGR → cv::COLOR_BGR2GRAY it differs by about one level on average (90–99 % of
    /// pixels within 2 levels) and by up to a few tens of levels on single pixels where saturated colors clip in BGR;
    /// after an 84×84 INTER_AREA resize the mean difference is under one level. Non-YUV video (RGB, palette) goes
    /// through BGR exactly as OpenCV does. Set <see cref="ExactGray"/> for OpenCV's gray. Default Bgr.
    /// </summary>
    public PixelFormat Format { get; init; } = PixelFormat.Bgr;

    /// <summary>
    /// With <see cref="Format"/> Gray: decode through OpenCV's FFmpeg backend to BGR and convert with
    /// cv::COLOR_BGR2GRAY, so that frames equal what Python's cv2.VideoCapture + cv2.cvtColor give byte for byte
    /// (policies trained on such frames); slower, since every frame is converted to BGR first. Ignored for other
    /// layouts. Default false (the luma decoder).
    /// </summary>
    public bool ExactGray { get; init; }

    /// <summary>
    /// When the stream ends before the frame count its container declares, and its last timestamp is more than two
    /// frame intervals short of the declared length, the read that meets the end throws a <see cref="VideoException"/>
    /// naming the frame index (a truncated or corrupt file) instead of returning false. Default true.
    /// </summary>
    public bool DetectTruncation { get; init; } = true;
}
