namespace GameLoop;

/// <summary>
/// A tiny game world per agent: the agent's square chases a target square on a 96×96 field. It renders itself into
/// an RGBA buffer the way a game's frame buffer would look (optionally bottom-up, as glReadPixels returns it).
/// Everything is deterministic from the seed, so a replay from a saved state is exact.
/// </summary>
internal sealed class Arena
{
    public const int Size = 96;
    public const int EpisodeTicks = 60;
    private const int Square = 8;

    private uint _rng;

    public Arena(uint seed)
    {
        _rng = seed == 0 ? 0x9E3779B9u : seed;
        NewEpisode();
    }

    private Arena(Arena other)
    {
        _rng = other._rng;
        AgentX = other.AgentX;
        AgentY = other.AgentY;
        TargetX = other.TargetX;
        TargetY = other.TargetY;
        Tick = other.Tick;
        Score = other.Score;
    }

    public int AgentX { get; private set; }
    public int AgentY { get; private set; }
    public int TargetX { get; private set; }
    public int TargetY { get; private set; }
    public int Tick { get; private set; }
    public int Score { get; private set; }

    /// <summary>A copy for a save game.</summary>
    public Arena Clone() => new(this);

    /// <summary>Applies an action (0 no-op, 1 up, 2 down, 3 left, 4 right, others no-op); true when the episode ended.</summary>
    public bool Apply(int action)
    {
        const int speed = 4;
        switch (action)
        {
            case 1: AgentY = Math.Max(0, AgentY - speed); break;
            case 2: AgentY = Math.Min(Size - Square, AgentY + speed); break;
            case 3: AgentX = Math.Max(0, AgentX - speed); break;
            case 4: AgentX = Math.Min(Size - Square, AgentX + speed); break;
        }
        Tick++;
        bool caught = Math.Abs(AgentX - TargetX) < Square && Math.Abs(AgentY - TargetY) < Square;
        if (caught)
        {
            Score++;
        }
        if (caught || Tick >= EpisodeTicks)
        {
            NewEpisode();
            return true;
        }
        return false;
    }

    /// <summary>Draws the field into <paramref name="rgba"/> (Size×Size, 4 bytes a pixel, packed rows).</summary>
    public void Render(Span<byte> rgba, bool bottomUp)
    {
        for (int y = 0; y < Size; y++)
        {
            int row = bottomUp ? Size - 1 - y : y;
            Span<byte> line = rgba.Slice(row * Size * 4, Size * 4);
            for (int x = 0; x < Size; x++)
            {
                byte r = (byte)(20 + x), g = (byte)(30 + y), b = 60;
                if (Inside(x, y, TargetX, TargetY))
                {
                    (r, g, b) = (250, 200, 40);
                }
                else if (Inside(x, y, AgentX, AgentY))
                {
                    (r, g, b) = (40, 220, 250);
                }
                line[x * 4] = r;
                line[x * 4 + 1] = g;
                line[x * 4 + 2] = b;
                line[x * 4 + 3] = 255;
            }
        }
    }

    private static bool Inside(int x, int y, int left, int top) => x >= left && x < left + Square && y >= top && y < top + Square;

    private void NewEpisode()
    {
        AgentX = Next(Size - Square);
        AgentY = Next(Size - Square);
        TargetX = Next(Size - Square);
        TargetY = Next(Size - Square);
        Tick = 0;
    }

    private int Next(int bound)
    {
        _rng ^= _rng << 13;
        _rng ^= _rng >> 17;
        _rng ^= _rng << 5;
        return (int)(_rng % (uint)bound);
    }
}
