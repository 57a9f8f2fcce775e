using OpenCvSharp;
using OpenCvSharp.Internal;

namespace AgentRnn.Vision.OpenCv;

/// <summary>
/// Single OpenCV calls (cv::cvtColor, cv::resize, cv::flip) over pinned 8-bit interleaved pixels, through OpenCvSharp's
/// native entry points and <see cref="MatView"/>s, so that a call allocates nothing managed. The packed span overloads
/// serve tests that check our own code against OpenCV itself.
/// </summary>
internal static class Cv
{
    /// <summary>cv::INTER_AREA.</summary>
    public const int InterArea = (int)InterpolationFlags.Area;

    // cv::cvtColor codes indexed [from, to] in PixelFormat order (Gray, Rgb, Rgba, Bgr, Bgra); 0 on the diagonal is
    // never used (equal layouts are copied).
    private static readonly ColorConversionCodes[,] Conversions =
    {
        { 0, ColorConversionCodes.GRAY2RGB, ColorConversionCodes.GRAY2RGBA, ColorConversionCodes.GRAY2BGR, ColorConversionCodes.GRAY2BGRA },
        { ColorConversionCodes.RGB2GRAY, 0, ColorConversionCodes.RGB2RGBA, ColorConversionCodes.RGB2BGR, ColorConversionCodes.RGB2BGRA },
        { ColorConversionCodes.RGBA2GRAY, ColorConversionCodes.RGBA2RGB, 0, ColorConversionCodes.RGBA2BGR, ColorConversionCodes.RGBA2BGRA },
        { ColorConversionCodes.BGR2GRAY, ColorConversionCodes.BGR2RGB, ColorConversionCodes.BGR2RGBA, 0, ColorConversionCodes.BGR2BGRA },
        { ColorConversionCodes.BGRA2GRAY, ColorConversionCodes.BGRA2RGB, ColorConversionCodes.BGRA2RGBA, ColorConversionCodes.BGRA2BGR, 0 },
    };

    /// <summary>cv::cvtColor of a width × height frame from one layout to another (rows step bytes apart); equal layouts are copied.</summary>
    public static unsafe void CvtColor(byte* src, nint srcStep, PixelFormat from, byte* dst, nint dstStep, PixelFormat to, int width, int height)
    {
        if (from == to)
        {
            CopyRows(src, srcStep, dst, dstStep, width * from.BytesPerPixel(), height);
            return;
        }
        OpenCvRuntime.EnsureReady();
        using MatView source = MatView.Over(src, height, width, from.BytesPerPixel(), srcStep);
        using MatView destination = MatView.Over(dst, height, width, to.BytesPerPixel(), dstStep);
        OpenCvRuntime.Check(NativeMethods.imgproc_cvtColor(source.Input, destination.Output, (int)Conversions[(int)from, (int)to], 0));
    }

    /// <summary>cv::resize(src, dst, dst size, 0, 0, interpolation) of interleaved frames with channels bytes per pixel.</summary>
    public static unsafe void Resize(
        byte* src, nint srcStep, int srcWidth, int srcHeight, byte* dst, nint dstStep, int dstWidth, int dstHeight, int channels, int interpolation)
    {
        OpenCvRuntime.EnsureReady();
        using MatView source = MatView.Over(src, srcHeight, srcWidth, channels, srcStep);
        using MatView destination = MatView.Over(dst, dstHeight, dstWidth, channels, dstStep);
        OpenCvRuntime.Check(NativeMethods.imgproc_resize(source.Input, destination.Output, new Size(dstWidth, dstHeight), 0, 0, interpolation));
    }

    /// <summary>cv::flip(src, dst, 0): dst's row y is src's row height − 1 − y.</summary>
    public static unsafe void FlipRows(byte* src, nint srcStep, byte* dst, nint dstStep, int width, int height, int channels)
    {
        OpenCvRuntime.EnsureReady();
        using MatView source = MatView.Over(src, height, width, channels, srcStep);
        using MatView destination = MatView.Over(dst, height, width, channels, dstStep);
        OpenCvRuntime.Check(NativeMethods.core_flip(source.Input, destination.Output, 0));
    }

    /// <summary>cv::cvtColor over packed width × height frames.</summary>
    public static unsafe void CvtColor(ReadOnlySpan<byte> src, PixelFormat srcFormat, Span<byte> dst, PixelFormat dstFormat, int width, int height)
    {
        RequireLength(src.Length, width * height * srcFormat.BytesPerPixel(), nameof(src));
        RequireLength(dst.Length, width * height * dstFormat.BytesPerPixel(), nameof(dst));
        fixed (byte* s = src)
        fixed (byte* d = dst)
        {
            CvtColor(s, width * srcFormat.BytesPerPixel(), srcFormat, d, width * dstFormat.BytesPerPixel(), dstFormat, width, height);
        }
    }

    /// <summary>cv::resize over packed frames in format.</summary>
    public static unsafe void Resize(
        ReadOnlySpan<byte> src, int srcWidth, int srcHeight, Span<byte> dst, int dstWidth, int dstHeight, PixelFormat format, int interpolation)
    {
        int bpp = format.BytesPerPixel();
        RequireLength(src.Length, srcWidth * srcHeight * bpp, nameof(src));
        RequireLength(dst.Length, dstWidth * dstHeight * bpp, nameof(dst));
        fixed (byte* s = src)
        fixed (byte* d = dst)
        {
            Resize(s, srcWidth * bpp, srcWidth, srcHeight, d, dstWidth * bpp, dstWidth, dstHeight, bpp, interpolation);
        }
    }

    /// <summary>Copies height rows of rowBytes from src (rows srcStep apart) to dst (rows dstStep apart).</summary>
    public static unsafe void CopyRows(byte* src, nint srcStep, byte* dst, nint dstStep, int rowBytes, int height)
    {
        for (int y = 0; y < height; y++)
        {
            new ReadOnlySpan<byte>(src + y * srcStep, rowBytes).CopyTo(new Span<byte>(dst + y * dstStep, rowBytes));
        }
    }

    private static void RequireLength(int length, int needed, string name)
    {
        if (length < needed)
        {
            throw new ArgumentException($"{name} holds {length} bytes; the frame needs {needed}", name);
        }
    }
}
