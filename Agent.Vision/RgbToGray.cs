namespace AgentRnn.Vision;

/// <summary>
/// cv::cvtColor(RGB2GRAY / BGR2GRAY) of 8-bit pixels in managed code, bit for bit OpenCV 4's: gray =
/// (R·9798 + G·19235 + B·3735 + 2^14) >> 15 (BT.601 weights in 15-bit fixed point). It lets a source that renders
/// its own RGB frames (the benchmark's synthetic game) feed a gray <see cref="FramePreprocessor"/> without loading
/// OpenCV's native runtime, which the GPU kit leaves out. Allocates nothing.
/// </summary>
internal static class RgbToGray
{
    private const int Shift = 15;
    private const int RedWeight = 9798;
    private const int GreenWeight = 19235;
    private const int BlueWeight = 3735;

    /// <summary>Converts packed RGB (or BGR with <paramref name="bgr"/>) pixels, 3 bytes each, into one gray byte each.</summary>
    public static void Convert(ReadOnlySpan<byte> pixels, Span<byte> gray, bool bgr = false)
    {
        int count = pixels.Length / 3;
        if (pixels.Length != count * 3 || gray.Length < count)
        {
            throw new ArgumentException($"{pixels.Length} bytes are not whole 3-byte pixels for a {gray.Length}-byte gray frame");
        }
        int first = bgr ? BlueWeight : RedWeight;
        int third = bgr ? RedWeight : BlueWeight;
        for (int i = 0, p = 0; i < count; i++, p += 3)
        {
            gray[i] = (byte)((pixels[p] * first + pixels[p + 1] * GreenWeight + pixels[p + 2] * third + (1 << (Shift - 1))) >> Shift);
        }
    }
}
