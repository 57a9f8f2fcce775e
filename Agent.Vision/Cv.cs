using AgentRnn.Vision.Interop;

namespace AgentRnn.Vision;

/// <summary>Single OpenCV calls over caller buffers (cv::cvtColor, cv::resize), for checks against OpenCV itself.</summary>
internal static class Cv
{
    /// <summary>cv::INTER_AREA.</summary>
    public const int InterArea = 3;

    /// <summary>cv::cvtColor(src in srcFormat, dst in dstFormat); both packed width × height.</summary>
    public static unsafe void CvtColor(ReadOnlySpan<byte> src, PixelFormat srcFormat, Span<byte> dst, PixelFormat dstFormat, int width, int height)
    {
        fixed (byte* s = src)
        fixed (byte* d = dst)
        {
            var source = new NativeImage(s, src.Length, width, height, width * srcFormat.BytesPerPixel(), srcFormat);
            var destination = new NativeImage(d, dst.Length, width, height, width * dstFormat.BytesPerPixel(), dstFormat);
            NativeMethods.ThrowIfFailed(NativeMethods.imgproc_cvtColor(&source, &destination));
        }
    }

    /// <summary>cv::resize(src, dst, (dstWidth, dstHeight), 0, 0, interpolation); both packed in format.</summary>
    public static unsafe void Resize(
        ReadOnlySpan<byte> src, int srcWidth, int srcHeight, Span<byte> dst, int dstWidth, int dstHeight, PixelFormat format, int interpolation)
    {
        int bpp = format.BytesPerPixel();
        fixed (byte* s = src)
        fixed (byte* d = dst)
        {
            var source = new NativeImage(s, src.Length, srcWidth, srcHeight, srcWidth * bpp, format);
            var destination = new NativeImage(d, dst.Length, dstWidth, dstHeight, dstWidth * bpp, format);
            NativeMethods.ThrowIfFailed(NativeMethods.imgproc_resize(&source, &destination, interpolation));
        }
    }
}
