namespace AgentRnn.Host.Bench;

/// <summary>
/// A small game rendered in memory, so the benchmark needs no files: Atari-sized RGB frames (210×160 by default)
/// with a banded background, a paddle that follows the ball, and sprites bouncing off the walls. Deterministic from
/// its seed; rendering allocates nothing.
/// </summary>
public sealed class SyntheticGame
{
    private const int SpriteCount = 6;
    private const int SpriteSize = 8;
    private const int PaddleWidth = 24;
    private const int PaddleHeight = 4;

    private readonly float[] _x = new float[SpriteCount];
    private readonly float[] _y = new float[SpriteCount];
    private readonly float[] _dx = new float[SpriteCount];
    private readonly float[] _dy = new float[SpriteCount];
    private readonly byte[] _colors = new byte[SpriteCount * 3];
    private float _paddle;

    /// <summary>Creates the game's first state from a seed.</summary>
    public SyntheticGame(int seed, int width = 160, int height = 210)
    {
        if (width < 2 * PaddleWidth || height < 4 * SpriteSize)
        {
            throw new ArgumentException($"synthetic game frame too small: {width}×{height}");
        }
        Width = width;
        Height = height;
        var random = new Random(seed);
        for (int i = 0; i < SpriteCount; i++)
        {
            _x[i] = random.Next(0, width - SpriteSize);
            _y[i] = random.Next(0, height - SpriteSize - PaddleHeight * 4);
            _dx[i] = (float)(random.NextDouble() * 4 - 2);
            _dy[i] = (float)(random.NextDouble() * 4 - 2);
            _colors[3 * i] = (byte)random.Next(64, 256);
            _colors[3 * i + 1] = (byte)random.Next(64, 256);
            _colors[3 * i + 2] = (byte)random.Next(64, 256);
        }
        _paddle = (width - PaddleWidth) / 2f;
    }

    /// <summary>Frame width in pixels.</summary>
    public int Width { get; }

    /// <summary>Frame height in pixels.</summary>
    public int Height { get; }

    /// <summary>Bytes in one RGB frame.</summary>
    public int FrameBytes => Width * Height * 3;

    /// <summary>Frames rendered so far.</summary>
    public long Frame { get; private set; }

    /// <summary>Renders the current state into <paramref name="rgb"/> ((Height, Width, 3) RGB uint8) and advances one frame.</summary>
    public void Render(Span<byte> rgb)
    {
        if (rgb.Length < FrameBytes)
        {
            throw new ArgumentException($"frame buffer holds {rgb.Length} bytes; a {Width}×{Height} RGB frame needs {FrameBytes}");
        }
        int row = Width * 3;
        for (int y = 0; y < Height; y++)
        {
            // Background bands drift slowly, so even a still frame region changes over time.
            byte shade = (byte)(24 + ((y + Frame / 4) / 16 % 4) * 12);
            Span<byte> line = rgb.Slice(y * row, row);
            for (int x = 0; x < row; x += 3)
            {
                line[x] = shade;
                line[x + 1] = (byte)(shade / 2);
                line[x + 2] = (byte)(shade + 20);
            }
        }
        for (int i = 0; i < SpriteCount; i++)
        {
            Fill(rgb, (int)_x[i], (int)_y[i], SpriteSize, SpriteSize, _colors[3 * i], _colors[3 * i + 1], _colors[3 * i + 2]);
        }
        Fill(rgb, (int)_paddle, Height - 2 * PaddleHeight, PaddleWidth, PaddleHeight, 200, 72, 72);
        Advance();
    }

    private void Advance()
    {
        for (int i = 0; i < SpriteCount; i++)
        {
            _x[i] += _dx[i];
            _y[i] += _dy[i];
            if (_x[i] < 0 || _x[i] > Width - SpriteSize)
            {
                _dx[i] = -_dx[i];
                _x[i] = Math.Clamp(_x[i], 0, Width - SpriteSize);
            }
            if (_y[i] < 0 || _y[i] > Height - SpriteSize - 3 * PaddleHeight)
            {
                _dy[i] = -_dy[i];
                _y[i] = Math.Clamp(_y[i], 0, Height - SpriteSize - 3 * PaddleHeight);
            }
        }
        float target = _x[0] + SpriteSize / 2f - PaddleWidth / 2f;
        _paddle = Math.Clamp(_paddle + Math.Clamp(target - _paddle, -3f, 3f), 0, Width - PaddleWidth);
        Frame++;
    }

    private void Fill(Span<byte> rgb, int x0, int y0, int w, int h, byte r, byte g, byte b)
    {
        int row = Width * 3;
        for (int y = Math.Max(0, y0); y < Math.Min(Height, y0 + h); y++)
        {
            for (int x = Math.Max(0, x0); x < Math.Min(Width, x0 + w); x++)
            {
                int at = y * row + x * 3;
                rgb[at] = r;
                rgb[at + 1] = g;
                rgb[at + 2] = b;
            }
        }
    }
}
