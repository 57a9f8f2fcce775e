namespace AgentRnn.Vision;

/// <summary>
/// One way of decoding a video for <see cref="VideoSource"/>: the system's FFmpeg (<see cref="Ffmpeg.SystemFfmpegDecoder"/>)
/// or OpenCvSharp's cv::VideoCapture (<see cref="OpenCv.OpenCvDecoder"/>). A decoder hands out each frame as 8-bit
/// BGR, or as its 8-bit luma plane when <see cref="Luma"/>; <see cref="VideoSource"/> does the rest (layouts, strides,
/// timestamps without a value, truncation).
/// </summary>
internal abstract unsafe class FrameDecoder : IDisposable
{
    /// <summary>Which decoder this is.</summary>
    public abstract VideoDecoder Kind { get; }

    /// <summary>Frame width in pixels.</summary>
    public int Width { get; protected init; }

    /// <summary>Frame height in pixels.</summary>
    public int Height { get; protected init; }

    /// <summary>Declared frames per second; 0 or not finite when the stream does not say.</summary>
    public double Fps { get; protected init; }

    /// <summary>Declared (or duration-estimated) frame count; 0 when unknown.</summary>
    public long DeclaredFrames { get; protected init; }

    /// <summary>The codec's four-character code as OpenCV reports it.</summary>
    public string Codec { get; protected init; } = "";

    /// <summary>True when frames come out as the luma plane (one byte per pixel) rather than BGR.</summary>
    public bool Luma { get; protected init; }

    /// <summary>True when that luma plane is already full range (no 16..235 expansion).</summary>
    public bool FullRange { get; protected init; }

    /// <summary>The frame the last <see cref="Next"/> with convert made: row y at Data + y·Step.</summary>
    public byte* Data { get; protected set; }

    /// <summary>Bytes between rows of <see cref="Data"/>.</summary>
    public nint Step { get; protected set; }

    /// <summary>The last converted frame's width (checked against <see cref="Width"/>; 0 when its layout is wrong).</summary>
    public int FrameWidth { get; protected set; }

    /// <summary>The last converted frame's height.</summary>
    public int FrameHeight { get; protected set; }

    /// <summary>
    /// Decodes the next frame; false at the end of the stream (or where a broken stream stops). With convert, the frame
    /// is made available at <see cref="Data"/>. seconds is its presentation time from the stream's start, NaN (or 0
    /// after the first frame) when the stream gives none.
    /// </summary>
    public abstract bool Next(bool convert, out double seconds);

    /// <summary>
    /// Prepares a backward seek to frameIndex and returns the index of the frame the next <see cref="Next"/> gives
    /// (at most frameIndex; the caller decodes forward from there).
    /// </summary>
    public abstract int Rewind(int frameIndex);

    /// <inheritdoc />
    public abstract void Dispose();

    /// <summary>OpenCV's CAP_PROP_FRAME_COUNT rule: the declared count, else duration × fps rounded.</summary>
    protected static long FrameCount(long declared, double durationSeconds, double fps)
    {
        if (declared > 0)
        {
            return declared;
        }
        double estimate = Math.Floor(durationSeconds * fps + 0.5);
        return double.IsFinite(estimate) && estimate > 0 && estimate < 9.0e18 ? (long)estimate : 0;
    }
}
