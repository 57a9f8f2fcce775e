using AgentRnn.Core.Spaces;

namespace AgentRnn.Host.Env.Samples;

/// <summary>
/// A C# twin of envs/samples/cue_memory.py: an image env that needs memory. The first frame shows a cue (a square on
/// the left or the right), then come <c>delay</c> blank frames, then a frame with a green bar that asks for a choice;
/// the action on that frame pays +1 when it names the cue's side (0 = left, 1 = right), else -1, and the episode
/// terminates. Observations are uint8 (height, width, 3) frames. Used by tests, benchmarks and as a served example.
/// </summary>
public sealed class CueMemoryEnv : IEnv
{
    private readonly byte[][] _frames; // left cue, right cue, blank, ask
    private readonly int _delay;
    private readonly List<double> _returns = [];
    private Random _random = new();
    private int _cue;
    private int _t;
    private double _return;

    /// <summary>Frames of <paramref name="height"/>×<paramref name="width"/>×3; <paramref name="delay"/> blank frames between cue and question.</summary>
    public CueMemoryEnv(int height = 84, int width = 84, int delay = 4)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 6);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 6);
        ArgumentOutOfRangeException.ThrowIfNegative(delay);
        _delay = delay;
        ObservationSpace = new Box(0, 255, [height, width, 3], DType.UInt8);
        _frames = [Render(height, width, 0), Render(height, width, 1), Render(height, width, 2), Render(height, width, 3)];
    }

    /// <inheritdoc />
    public Space ObservationSpace { get; }

    /// <inheritdoc />
    public Space ActionSpace { get; } = new Discrete(2);

    /// <summary>Returns of the episodes this env finished, in order (the env's own record, for checking clients).</summary>
    public IReadOnlyList<double> EpisodeReturns
    {
        get
        {
            lock (_returns)
            {
                return _returns.ToArray();
            }
        }
    }

    /// <inheritdoc />
    public void Reset(long? seed, SpaceBatch observations, int row)
    {
        if (seed.HasValue)
        {
            _random = new Random(unchecked((int)seed.Value));
        }
        _cue = _random.Next(2);
        _t = 0;
        _return = 0;
        _frames[_cue].CopyTo(observations.Single.RowBytes(row));
    }

    /// <inheritdoc />
    public EnvStepResult Step(SpaceBatch actions, SpaceBatch observations, int row)
    {
        long action = actions.Single.Row<long>(row)[0];
        _t++;
        double reward = 0;
        bool terminated = false;
        if (_t > _delay)
        {
            reward = action == _cue ? 1 : -1;
            terminated = true;
        }
        _return += reward;
        if (terminated)
        {
            lock (_returns)
            {
                _returns.Add(_return);
            }
        }
        _frames[_t == _delay ? 3 : 2].CopyTo(observations.Single.RowBytes(row));
        return new EnvStepResult(reward, terminated, false);
    }

    private static byte[] Render(int h, int w, int which)
    {
        var frame = new byte[h * w * 3];
        Array.Fill(frame, (byte)0x20);
        (int y0, int y1, int x0, int x1, byte r, byte g, byte b) = which switch
        {
            0 => (h / 3, 2 * h / 3, 2, w / 3, (byte)255, (byte)64, (byte)64),
            1 => (h / 3, 2 * h / 3, w - w / 3, w - 2, (byte)64, (byte)64, (byte)255),
            3 => (h - h / 6, h - 1, 1, w - 1, (byte)64, (byte)255, (byte)64),
            _ => (0, 0, 0, 0, (byte)0, (byte)0, (byte)0),
        };
        for (int y = y0; y < y1; y++)
        {
            for (int x = x0; x < x1; x++)
            {
                int o = (y * w + x) * 3;
                frame[o] = r;
                frame[o + 1] = g;
                frame[o + 2] = b;
            }
        }
        return frame;
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
