using AgentRnn.Host.Pipeline;

namespace AgentRnn.Host.Bench;

/// <summary>
/// Ready observations from memory for --model-only: cycles through a fixed set of preprocessed observations, so the
/// source costs one copy and the benchmark measures encoder + memory + policy alone. Time advances at 1/60 s.
/// </summary>
public sealed class MemoryFrameSource : IFrameSource
{
    private readonly byte[] _observations;
    private readonly int _count;
    private readonly long _frames;
    private long _next;

    /// <summary>observations is (count, observationSize) uint8; the source gives <paramref name="frames"/> frames.</summary>
    public MemoryFrameSource(string name, byte[] observations, int observationSize, long frames)
    {
        if (observationSize <= 0 || observations.Length == 0 || observations.Length % observationSize != 0)
        {
            throw new ArgumentException($"{observations.Length} bytes is not a whole number of {observationSize}-byte observations");
        }
        Name = name;
        _observations = observations;
        ObservationSize = observationSize;
        _count = observations.Length / observationSize;
        _frames = frames;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public int ObservationSize { get; }

    /// <inheritdoc/>
    public bool Read(Span<byte> observation, out FrameInfo frame)
    {
        if (_next >= _frames)
        {
            frame = default;
            return false;
        }
        int k = (int)(_next % _count);
        _observations.AsSpan(k * ObservationSize, ObservationSize).CopyTo(observation);
        frame = new FrameInfo(_next, _next / 60.0);
        _next++;
        return true;
    }
}
