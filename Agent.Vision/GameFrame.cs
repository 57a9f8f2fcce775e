namespace AgentRnn.Vision;

/// <summary>
/// A game's own frame buffer as a preprocessing input, read in place: row y of the image starts at byte y·Stride of
/// <see cref="Pixels"/> and holds Width pixels in <see cref="Format"/>; bytes between rows (padding) are never read.
/// The constructor checks the layout once, so a bad buffer fails where it is described, in one line, instead of
/// deep in the preprocessor. A ref struct because it only borrows the game's memory for the call it is passed to.
/// With <see cref="BottomUp"/> the rows are stored bottom row first (an OpenGL glReadPixels read-back): row y of the
/// image is then stored row Height − 1 − y.
/// </summary>
public readonly ref struct GameFrame
{
    /// <summary>A packed frame: stride = width × bytes per pixel of <paramref name="format"/>.</summary>
    /// <exception cref="FrameFormatException">The layout is unsupported, the size is not positive, or the buffer is too short.</exception>
    public GameFrame(ReadOnlySpan<byte> pixels, int width, int height, PixelFormat format)
        : this(pixels, width, height, PackedStride(width, format), format)
    {
    }

    /// <summary>A frame whose rows are <paramref name="stride"/> bytes apart.</summary>
    /// <exception cref="FrameFormatException">
    /// The layout is unsupported, the size is not positive, the stride is smaller than a row, or the buffer is shorter
    /// than (height − 1)·stride + one row.
    /// </exception>
    public GameFrame(ReadOnlySpan<byte> pixels, int width, int height, int stride, PixelFormat format)
        : this(pixels, width, height, stride, format, bottomUp: false)
    {
    }

    /// <summary>A frame whose rows are <paramref name="stride"/> bytes apart, stored bottom row first when <paramref name="bottomUp"/>.</summary>
    /// <exception cref="FrameFormatException">As the other constructors.</exception>
    public GameFrame(ReadOnlySpan<byte> pixels, int width, int height, int stride, PixelFormat format, bool bottomUp)
    {
        int bytesPerPixel = format.BytesPerPixel();
        if (width <= 0 || height <= 0)
        {
            throw new FrameFormatException($"game frame: size {width}x{height} is not positive");
        }
        long row = (long)width * bytesPerPixel;
        if (stride < row)
        {
            throw new FrameFormatException(
                $"game frame: stride {stride} is smaller than a row ({width} {format} pixels = {row} bytes)");
        }
        long needed = (height - 1L) * stride + row;
        if (pixels.Length < needed)
        {
            throw new FrameFormatException(
                $"game frame: buffer too short: a {width}x{height} {format} frame at stride {stride} needs {needed} bytes, got {pixels.Length}");
        }
        Pixels = pixels;
        Width = width;
        Height = height;
        Stride = stride;
        Format = format;
        BottomUp = bottomUp;
    }

    /// <summary>The buffer; row y starts at y·<see cref="Stride"/>.</summary>
    public ReadOnlySpan<byte> Pixels { get; }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Bytes from the start of one row to the start of the next (at least a row's bytes).</summary>
    public int Stride { get; }

    /// <summary>Layout of each pixel.</summary>
    public PixelFormat Format { get; }

    /// <summary>True when the first stored row is the bottom of the image (OpenGL's read-back order).</summary>
    public bool BottomUp { get; }

    // A row too wide for an int saturates the stride, which the constructor then refuses as smaller than the row.
    private static int PackedStride(int width, PixelFormat format) =>
        (int)Math.Clamp((long)width * format.BytesPerPixel(), int.MinValue, int.MaxValue);
}
