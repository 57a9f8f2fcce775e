namespace AgentRnn.Vision;

/// <summary>How a video's frames become gray.</summary>
public enum GrayConversion
{
    /// <summary>
    /// What PyTorch users trained on: OpenCV decodes each frame to BGR (FFmpeg's swscale) and cv::cvtColor(BGR2GRAY)
    /// makes it gray, byte for byte what Python's cv2.VideoCapture + cv2.cvtColor give for the same decoded frame.
    /// The default.
    /// </summary>
    CvtColor = 0,

    /// <summary>
    /// Faster, approximate: the decoded YUV frame's luma plane, expanded from limited range (16..235) to 0..255 as
    /// `ffmpeg -vf format=gray` does (MJPEG's full-range luma is used as is); no BGR frame is made. It differs from
    /// <see cref="CvtColor"/> by about one gray level on average and by up to a few tens on single pixels where
    /// saturated colours clip in BGR. Video that is not 8-bit YUV (RGB codecs, palettes, high bit depths) falls back
    /// to <see cref="CvtColor"/>.
    /// </summary>
    Luma = 1,
}
