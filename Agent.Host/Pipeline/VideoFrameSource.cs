using System.Diagnostics;
using AgentRnn.Vision;

namespace AgentRnn.Host.Pipeline;

/// <summary>
/// A video file as a pipeline stream: AgentRnn.Vision's <see cref="VideoSource"/> decodes frames and its
/// <see cref="FramePreprocessor"/> turns them into the model's stacked observation (the first frame fills the stack).
/// A grayscale model's frames are made gray as <see cref="GrayConversion"/> says (by default cv2's cvtColor of the
/// decoded BGR frame, what PyTorch users trained on); a colour model's frames are BGR. Decoded frames are read in place
/// (no copy). One observation per decoded frame, or per FrameSkip frames (see <see cref="Open"/>).
/// </summary>
public sealed class VideoFrameSource : IStagedFrameSource, IDisposable
{
    private readonly VideoSource _video;
    private readonly FramePreprocessor _preprocessor;
    private readonly long _maxFrames;
    private readonly FrameWindow _window;
    private readonly FrameRing? _keep;
    private bool _started;
    private long _delivered;
    private long _rawTicks;
    private long _preprocessTicks;

    private VideoFrameSource(VideoSource video, FramePreprocessor preprocessor, long maxFrames, FrameWindow window, FrameRing? keep)
    {
        _video = video;
        _preprocessor = preprocessor;
        _maxFrames = maxFrames;
        _window = window;
        _keep = keep;
    }

    /// <summary>
    /// Opens <paramref name="path"/> (throws a <see cref="VideoException"/> naming it when it is missing, empty or not
    /// a video) and reads at most <paramref name="maxFrames"/> observations, decoded as <see cref="DecoderOptions"/> says.
    /// With <see cref="PreprocessOptions.FrameSkip"/> K ≥ 2 one observation is made per K raw frames (Atari's
    /// MaxAndSkip: the element-wise max of the group's last two raw frames, taken before the gray conversion), and its
    /// <see cref="FrameInfo"/> is the group's last raw frame; a last group of fewer than K frames makes none.
    /// <paramref name="window"/> limits the frames read (skip groups start at its first frame); a start past the
    /// video's end throws an <see cref="AgentRnn.Core.AgentException"/>. <paramref name="keep"/>, when given, is called
    /// once the video is open (with its size and rate) and returns a ring that receives a BGR copy of each observation's
    /// (last raw) frame, for a writer that draws on it once the frame is labelled.
    /// </summary>
    public static VideoFrameSource Open(
        string path, PreprocessOptions preprocess, long maxFrames = long.MaxValue, GrayConversion gray = GrayConversion.CvtColor,
        FrameWindow? window = null, Func<VideoSource, FrameRing>? keep = null)
    {
        ArgumentNullException.ThrowIfNull(preprocess);
        // A grayscale model's exact gray is cvtColor of the BGR frame. The preprocessor makes the same bytes from a BGR
        // frame, so decode BGR when the frame is also kept (for annotation) or max-pooled (Atari pools colour frames).
        bool bgrForGray = preprocess.Grayscale && gray == GrayConversion.CvtColor && (keep is not null || preprocess.FrameSkip > 1);
        VideoSourceOptions decoder = bgrForGray ? new VideoSourceOptions { Format = PixelFormat.Bgr } : DecoderOptions(preprocess, gray);
        VideoSource video = VideoSource.Open(path, decoder);
        try
        {
            if (preprocess.Crop is CropRect crop && ((long)crop.X + crop.Width > video.Width || (long)crop.Y + crop.Height > video.Height))
            {
                throw new AgentRnn.Core.AgentException(
                    $"{path}: --crop {crop.X},{crop.Y},{crop.Width},{crop.Height} does not fit inside the {video.Width}x{video.Height} frame");
            }
            var preprocessor = new FramePreprocessor(video.Width, video.Height, video.Format, preprocess);
            FrameRing? ring = keep?.Invoke(video);
            if (ring is not null && (ring.Width != video.Width || ring.Height != video.Height))
            {
                throw new ArgumentException($"the frame ring holds {ring.Width}x{ring.Height} frames; {path} is {video.Width}x{video.Height}", nameof(keep));
            }
            return new VideoFrameSource(video, preprocessor, maxFrames, window ?? FrameWindow.All, ring);
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

    /// <summary>
    /// Observations the stream should give, from the container's declared frame count, the window and the frame
    /// skip (for a progress bar); null when the container declares no count.
    /// </summary>
    public long? ExpectedFrames
    {
        get
        {
            if (_video.DeclaredFrameCount is not int declared)
            {
                return null;
            }
            long first = _window.Start is VideoPosition start ? FrameOf(start) : 0;
            long end = _window.End is VideoPosition stop ? Math.Min(declared, FrameOf(stop)) : declared;
            long raw = Math.Max(0, end - first);
            return Math.Min(_maxFrames, raw / _preprocessor.Options.FrameSkip);
        }
    }

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
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            bool read = _video.Read(out ReadOnlySpan<byte> pixels, out int stride, out VideoFrameInfo info);
            long decoded = Stopwatch.GetTimestamp();
            _rawTicks += decoded - start;
            if (!read)
            {
                ThrowIfNeverStarted();
                return false;
            }
            if (!_started)
            {
                if (_window.Start is VideoPosition first && first.IsAfter(info.Index, info.TimestampSeconds))
                {
                    continue;
                }
                _started = true;
            }
            if (_window.End is VideoPosition end && !end.IsAfter(info.Index, info.TimestampSeconds))
            {
                return false;
            }
            bool ready = _preprocessor.Push(pixels, stride);
            if (ready)
            {
                _preprocessor.Observation.CopyTo(observation);
                _keep?.Put(pixels, stride, _video.Format);
            }
            _preprocessTicks += Stopwatch.GetTimestamp() - decoded;
            if (ready)
            {
                frame = new FrameInfo(info.Index, info.TimestampSeconds);
                _delivered++;
                return true;
            }
        }
    }

    // A position as a frame index (seconds through the declared rate; 0 without one).
    private long FrameOf(VideoPosition position) =>
        !position.IsSeconds ? (long)position.Value : _video.Fps > 0 ? (long)Math.Ceiling(position.Value * _video.Fps - 1e-9) : 0;

    // The video ended before the window's first frame: say so rather than label nothing.
    private void ThrowIfNeverStarted()
    {
        if (!_started && _window.Start is VideoPosition first)
        {
            string length = _video.Fps > 0 ? $"{_video.FrameIndex} frames, {_video.FrameIndex / _video.Fps:0.###} s" : $"{_video.FrameIndex} frames";
            throw new AgentRnn.Core.AgentException($"{_video.Path}: --start {first} is past the end of the video ({length})");
        }
    }

    /// <summary>Closes the decoder and the preprocessor.</summary>
    public void Dispose()
    {
        _preprocessor.Dispose();
        _video.Dispose();
    }
}
