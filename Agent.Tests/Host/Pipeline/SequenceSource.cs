using AgentRnn.Core;
using AgentRnn.Host.Pipeline;

namespace AgentRnn.Tests.Host.Pipeline;

/// <summary>
/// Deterministic test frames: frame i of a source with a given seed is a fixed byte pattern, at time i/30 s.
/// Optionally breaks (throws an AgentException) after delivering a number of frames.
/// </summary>
internal sealed class SequenceSource : IFrameSource
{
    private readonly int _seed;
    private readonly long _frames;
    private readonly long _breakAt;
    private long _next;

    public SequenceSource(string name, int observationSize, int seed, long frames, long breakAt = -1)
    {
        Name = name;
        ObservationSize = observationSize;
        _seed = seed;
        _frames = frames;
        _breakAt = breakAt;
    }

    public string Name { get; }

    public int ObservationSize { get; }

    /// <summary>Frames handed out so far.</summary>
    public long Delivered => Interlocked.Read(ref _next);

    /// <summary>Called before each read with the index about to be read (for invariant checks).</summary>
    public Action<long>? BeforeRead { get; set; }

    /// <summary>Seed of frame <paramref name="index"/>: lets a test reorder frames across sources.</summary>
    public Func<long, int>? SeedOf { get; set; }

    public static void Fill(Span<byte> observation, int seed, long index)
    {
        uint x = (uint)(seed * 7919 + index * 104729 + 1);
        for (int i = 0; i < observation.Length; i++)
        {
            x = x * 1664525 + 1013904223;
            observation[i] = (byte)(x >> 24);
        }
    }

    public bool Read(Span<byte> observation, out FrameInfo frame)
    {
        long index = _next;
        BeforeRead?.Invoke(index);
        if (index == _breakAt)
        {
            throw new AgentException($"{Name}: decoding stopped at frame {index}");
        }
        if (index >= _frames)
        {
            frame = default;
            return false;
        }
        int seed = SeedOf is null ? _seed : SeedOf(index);
        Fill(observation, seed, SeedOf is null ? index : 0);
        frame = new FrameInfo(index, index / 30.0);
        Interlocked.Increment(ref _next);
        return true;
    }

    /// <summary>The values (hashes) the model must give for this source's frames, stepped alone from a zero state.</summary>
    public float[] ExpectedValues(long count)
    {
        var expected = new float[count];
        var buffer = new byte[ObservationSize];
        int h = 0;
        for (long i = 0; i < count; i++)
        {
            int seed = SeedOf is null ? _seed : SeedOf(i);
            Fill(buffer, seed, SeedOf is null ? i : 0);
            h = HashModel.Next(h, HashModel.FrameHash(buffer));
            expected[i] = h;
        }
        return expected;
    }
}
