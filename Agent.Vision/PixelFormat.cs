namespace AgentRnn.Vision;

/// <summary>Layout of an interleaved 8-bit frame.</summary>
public enum PixelFormat
{
    /// <summary>One byte per pixel.</summary>
    Gray = 0,

    /// <summary>Three bytes per pixel: red, green, blue (gym and ALE frames).</summary>
    Rgb = 1,

    /// <summary>Four bytes per pixel: red, green, blue, alpha.</summary>
    Rgba = 2,

    /// <summary>Three bytes per pixel: blue, green, red (OpenCV's native order).</summary>
    Bgr = 3,

    /// <summary>Four bytes per pixel: blue, green, red, alpha.</summary>
    Bgra = 4,
}
