namespace AgentRnn.Vision;

/// <summary>
/// Which decoded pixel formats have an 8-bit luma plane OpenCV can hand out as one channel (cv::VideoCapture with
/// CAP_PROP_CONVERT_RGB off gives plane 0 as CV_8UC1), named by the four-character tag OpenCV reports as
/// CAP_PROP_CODEC_PIXEL_FORMAT (FFmpeg's raw tag of the stream's pixel format), and whether that luma is full range.
/// </summary>
internal static class LumaPlanes
{
    // yuv420p and yuvj420p (I420), yuv422p and yuvj422p (Y42B), yuv444p (444P), yuv411p (Y41B), yuv410p (YUV9), nv12,
    // nv21 and gray (Y800): planar or semi-planar 8-bit formats whose plane 0 is luma with one byte per pixel.
    private static readonly int[] Tags = [Tag("I420"), Tag("Y42B"), Tag("444P"), Tag("Y41B"), Tag("YUV9"), Tag("NV12"), Tag("NV21"), Tag("Y800")];

    // Motion-JPEG decodes to the full-range yuvj* formats, which share their tags with the limited-range ones.
    private static readonly string[] FullRangeCodecs = ["MJPG", "mjpe", "jpeg", "AVRn", "AVDJ", "dmb1"];

    /// <summary>True when frames of this pixel format tag have an 8-bit luma plane.</summary>
    public static bool HasLumaPlane(int pixelFormatTag) => Tags.Contains(pixelFormatTag);

    /// <summary>True when the luma plane is already full range (gray video, Motion-JPEG), so no expansion applies.</summary>
    public static bool IsFullRange(int pixelFormatTag, string codec) => pixelFormatTag == Tag("Y800") || FullRangeCodecs.Contains(codec);

    private static int Tag(string code) => code[0] | (code[1] << 8) | (code[2] << 16) | (code[3] << 24);
}
