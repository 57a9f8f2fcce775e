using System.Diagnostics;
using AgentRnn.Host.Pipeline;
using AgentRnn.Vision;

namespace AgentRnn.Host.Bench;

/// <summary>
/// The benchmark's default stream: a <see cref="SyntheticGame"/> rendering RGB frames, preprocessed exactly as video
/// frames are (AgentRnn.Vision's <see cref="FramePreprocessor"/>: gray, INTER_AREA resize, stack). For a gray model
/// whose resize the managed <see cref="AreaResizer"/> performs (the default model: 160×210 → 84×84) and with no
/// max-pool of raw frames, the frame is made gray here (<see cref="RgbToGray"/>, cv::cvtColor's bytes) and fed to a
/// gray preprocessor, so the source never loads OpenCV's native runtime (the GPU kit leaves it out); the observations
/// are the same bytes. Other models go through OpenCV as video frames do.
/// </summary>
public sealed class SyntheticFrameSource : IStagedFrameSource, IDisposable
{
    private readonly SyntheticGame _game;
    private readonly FramePreprocessor _preprocessor;
    private readonly byte[] _frame;
    private readonly byte[]? _gray;
    private readonly long _frames;
    private long _next;
    private long _renderTicks;
    private long _preprocessTicks;

    /// <summary>A game from <paramref name="seed"/> giving <paramref name="frames"/> observations.</summary>
    public SyntheticFrameSource(int seed, PreprocessOptions preprocess, long frames)
    {
        _game = new SyntheticGame(seed);
        _frame = new byte[_game.FrameBytes];
        if (GraysInManagedCode(_game.Width, _game.Height, preprocess))
        {
            _gray = new byte[_game.Width * _game.Height];
            _preprocessor = new FramePreprocessor(_game.Width, _game.Height, PixelFormat.Gray, preprocess);
        }
        else
        {
            _preprocessor = new FramePreprocessor(_game.Width, _game.Height, PixelFormat.Rgb, preprocess);
        }
        _frames = frames;
        Name = $"synthetic #{seed}";
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public int ObservationSize => _preprocessor.ObservationSize;

    /// <inheritdoc/>
    public string RawStageName => "render";

    /// <inheritdoc/>
    public TimeSpan RawTime => Stopwatch.GetElapsedTime(0, _renderTicks);

    /// <inheritdoc/>
    public TimeSpan PreprocessTime => Stopwatch.GetElapsedTime(0, _preprocessTicks);

    /// <inheritdoc/>
    public bool Read(Span<byte> observation, out FrameInfo frame)
    {
        frame = default;
        if (_next >= _frames)
        {
            return false;
        }
        long start = Stopwatch.GetTimestamp();
        bool ready;
        do
        {
            _game.Render(_frame);
            long rendered = Stopwatch.GetTimestamp();
            _renderTicks += rendered - start;
            if (_gray is null)
            {
                ready = _preprocessor.Push(_frame);
            }
            else
            {
                RgbToGray.Convert(_frame, _gray);
                ready = _preprocessor.Push(_gray);
            }
            start = Stopwatch.GetTimestamp();
            _preprocessTicks += start - rendered;
        }
        while (!ready);
        _preprocessor.Observation.CopyTo(observation);
        frame = new FrameInfo(_next, _next / 60.0);
        _next++;
        return true;
    }

    /// <summary>
    /// Whether frames of this size are made gray in managed code: a gray model, an area resize that
    /// <see cref="AreaResizer"/> performs, and no max-pool (max of two gray frames is not the gray of their max).
    /// </summary>
    internal static bool GraysInManagedCode(int width, int height, PreprocessOptions preprocess)
    {
        CropRect crop = preprocess.Crop ?? new CropRect(0, 0, width, height);
        return preprocess.Grayscale && !(preprocess.MaxPoolLastTwo && preprocess.FrameSkip >= 2)
            && AreaResizer.Applies(crop.Width, crop.Height, preprocess.Width, preprocess.Height);
    }

    /// <summary>Whether this source's frames are made gray in managed code (no OpenCV on its path).</summary>
    internal bool ManagedGray => _gray is not null;

    /// <summary>Releases the preprocessor.</summary>
    public void Dispose() => _preprocessor.Dispose();
}
