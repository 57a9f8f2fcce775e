namespace AgentRnn.Vision;

/// <summary>Which OpenCV writer a <see cref="VideoWriter"/> uses.</summary>
public enum VideoWriterBackend
{
    /// <summary>
    /// FFmpeg (cv::CAP_FFMPEG): every codec and container FFmpeg encodes. It drops the last column and row of odd
    /// frame sizes (the file is (width &amp; ~1)×(height &amp; ~1)).
    /// </summary>
    Ffmpeg = 0,

    /// <summary>OpenCV's built-in Motion-JPEG AVI writer (cv::CAP_OPENCV_MJPEG, fourcc "MJPG"): keeps odd sizes.</summary>
    OpenCvMjpeg = 1,
}
