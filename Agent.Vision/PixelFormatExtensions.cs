namespace AgentRnn.Vision;

/// <summary>Facts about a <see cref="PixelFormat"/>.</summary>
public static class PixelFormatExtensions
{
    /// <summary>Bytes per pixel (1, 3 or 4); throws <see cref="FrameFormatException"/> for a value outside the enum.</summary>
    public static int BytesPerPixel(this PixelFormat format) => format switch
    {
        PixelFormat.Gray => 1,
        PixelFormat.Rgb or PixelFormat.Bgr => 3,
        PixelFormat.Rgba or PixelFormat.Bgra => 4,
        _ => throw new FrameFormatException($"unsupported pixel layout {(int)format} (expected Gray, Rgb, Rgba, Bgr or Bgra)"),
    };
}
