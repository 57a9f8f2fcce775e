using System.Diagnostics;
using AgentRnn.Vision;

namespace AgentRnn.Host.Pipeline;

/// <summary>
/// A video file as a pipeline stream: AgentRnn.Vision's <see cref="VideoSource"/> decodes frames and its
/// <see cref="FramePreprocessor"/> turns them into the model's stacked observation (the first frame fills the stack).
/// A grayscale model's frames are made gray as <see cref="GrayConversion"/> says (by default cv2's cvtColor of the
/// decoded BGR frame, what PyTorch users trained on); a colour model's frames are BGR. Decoded frames are read in place
/// (no copy). One observation per decoded frame, so the preprocessing must not skip frames.
/// </summary>
public sealed class VideoFrameSource : IStagedFrameSource, IDisposable
{
    private readonly VideoSource _video;
    private readonly FramePreprocessor _preprocessor;
    private readonly long _maxFrames;
    private long _delivered;
    private long _rawTicks;
    private long _preprocessTicks;

    private VideoFrameSource(VideoSource video, FramePreprocessor preprocessor, long maxFrames)
    {
        _video = video;
        _preprocessor = preprocessor;
        _maxFrames = maxFrames;
    }

    /// <summary>
    /// Opens <paramref name="path"/> (throws a <see cref="VideoException"/> naming it when it is missing, empty or not
    /// a video) and reads at most <paramref name="maxFrames"/> frames, decoded as <see cref="DecoderOptions"/> says.
    /// </summary>
    public static VideoFrameSource Open(
        string path, PreprocessOptions preprocess, long maxFrames = long.MaxValue, GrayConversion gray = GrayConversion.CvtColor)
    {
        ArgumentNullException.ThrowIfNull(preprocess);
        if (preprocess.FrameSkip != 1)
        {
            throw new ArgumentException("a video frame source labels every decoded frame: FrameSkip must be 1", nameof(preprocess));
        }
        VideoSource video = VideoSource.Open(path, DecoderOptions(preprocess, gray));
        try
        {
            return new VideoFrameSource(video, new FramePreprocessor(video.Width, video.Height, video.Format, preprocess), maxFrames);
        }
        catch
        {
            video.Dispose();
            throw;
        }
    }

    /// <summary>
    /// How a video is decoded for <paramref name="preprocess"/>: Gray made as <paramref name="gray"/> says for a
    /// grayscale model (<see cref="GrayConversion.CvtColor"/>: byte for byte what cv2.VideoCapture + cv2.cvtColor give),
    /// BGR for a colour model (gray does not apply).
    /// </summary>
    public static VideoSourceOptions DecoderOptions(PreprocessOptions preprocess, GrayConversion gray)
    {
        ArgumentNullException.ThrowIfNull(preprocess);
        return preprocess.Grayscale
            ? new VideoSourceOptions { Format = PixelFormat.Gray, Gray = gray }
            : new VideoSourceOptions { Format = PixelFormat.Bgr };
    }

    /// <summary>The decoder (size, rate, codec, declared frame count).</summary>
    public VideoSource Video => _video;

    /// <inheritdoc/>
    public string Name => _video.Path;

    /// <inheritdoc/>
    public int ObservationSize => _preprocessor.ObservationSize;

    /// <inheritdoc/>
    public string RawStageName => "decode";

    /// <inheritdoc/>
    public TimeSpan RawTime => Stopwatch.GetElapsedTime(0, _rawTicks);

    /// <inheritdoc/>
    public TimeSpan PreprocessTime => Stopwatch.GetElapsedTime(0, _preprocessTicks);

    /// <inheritdoc/>
    public bool Read(Span<byte> observation, out FrameInfo frame)
    {
        frame = default;
        if (_delivered >= _maxFrames)
        {
            return false;
        }
        long start = Stopwatch.GetTimestamp();
        bool read = _video.Read(out ReadOnlySpan<byte> pixels, out int stride, out VideoFrameInfo info);
        long decoded = Stopwatch.GetTimestamp();
        _rawTicks += decoded - start;
        if (!read)
        {
            return false;
        }
        _preprocessor.Push(pixels, stride);
        _preprocessor.Observation.CopyTo(observation);
        _preprocessTicks += Stopwatch.GetTimestamp() - decoded;
        frame = new FrameInfo(info.Index, info.TimestampSeconds);
        _delivered++;
        return true;
    }

    /// <summary>Closes the decoder and the preprocessor.</summary>
    public void Dispose()
    {
        _preprocessor.Dispose();
        _video.Dispose();
    }
}
