using System.Diagnostics;
using AgentRnn.Host.Pipeline;
using AgentRnn.Vision;

namespace AgentRnn.Host.Bench;

/// <summary>
/// The benchmark's default stream: a <see cref="SyntheticGame"/> rendering RGB frames, preprocessed exactly as video
/// frames are (AgentRnn.Vision's <see cref="FramePreprocessor"/>: gray, INTER_AREA resize, stack).
/// </summary>
public sealed class SyntheticFrameSource : IStagedFrameSource, IDisposable
{
    private readonly SyntheticGame _game;
    private readonly FramePreprocessor _preprocessor;
    private readonly byte[] _frame;
    private readonly long _frames;
    private long _next;
    private long _renderTicks;
    private long _preprocessTicks;

    /// <summary>A game from <paramref name="seed"/> giving <paramref name="frames"/> observations.</summary>
    public SyntheticFrameSource(int seed, PreprocessOptions preprocess, long frames)
    {
        _game = new SyntheticGame(seed);
        _preprocessor = new FramePreprocessor(_game.Width, _game.Height, PixelFormat.Rgb, preprocess);
        _frame = new byte[_game.FrameBytes];
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
            ready = _preprocessor.Push(_frame);
            start = Stopwatch.GetTimestamp();
            _preprocessTicks += start - rendered;
        }
        while (!ready);
        _preprocessor.Observation.CopyTo(observation);
        frame = new FrameInfo(_next, _next / 60.0);
        _next++;
        return true;
    }

    /// <summary>Releases the preprocessor.</summary>
    public void Dispose() => _preprocessor.Dispose();
}
