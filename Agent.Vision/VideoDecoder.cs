namespace AgentRnn.Vision;

/// <summary>Which library decodes a <see cref="VideoSource"/>'s frames.</summary>
public enum VideoDecoder
{
    /// <summary>
    /// The system's FFmpeg where it loads (Linux with Debian 12's FFmpeg 5.1 libraries, which the `ffmpeg` package
    /// installs), else OpenCvSharp. The environment variable AGENTRNN_VIDEO_DECODER (auto, ffmpeg, opencvsharp) overrides it.
    /// </summary>
    Auto = 0,

    /// <summary>
    /// The system's FFmpeg 5.1 (libavformat59, libavcodec59, libavutil57, libswscale6) through a direct binding: the
    /// libraries Debian's cv2 decodes with, so frames are byte for byte what Python's cv2.VideoCapture gives there, and
    /// FFmpeg's x86 assembly makes H.264 fast. Files it cannot open (or rotated ones) go to OpenCvSharp.
    /// </summary>
    SystemFfmpeg = 1,

    /// <summary>OpenCvSharp's cv::VideoCapture (OpenCV 4.13 with its bundled FFmpeg 7.1); every platform.</summary>
    OpenCvSharp = 2,
}
