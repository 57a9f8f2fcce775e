using AgentRnn.Host.Bench;

namespace AgentRnn.Tests.Host.Bench;

public class SyntheticGameTests
{
    private static byte[] Render(SyntheticGame game)
    {
        var frame = new byte[game.FrameBytes];
        game.Render(frame);
        return frame;
    }

    [Fact]
    public void Render_SameSeed_GivesTheSameFrames()
    {
        var a = new SyntheticGame(7);
        var b = new SyntheticGame(7);

        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(Render(a), Render(b));
        }
    }

    [Fact]
    public void Render_SuccessiveFrames_Move()
    {
        var game = new SyntheticGame(3);

        byte[] first = Render(game);
        byte[] second = Render(game);

        Assert.NotEqual(first, second);
        Assert.Equal(2, game.Frame);
    }

    [Fact]
    public void Render_DifferentSeeds_GiveDifferentFrames()
    {
        Assert.NotEqual(Render(new SyntheticGame(1)), Render(new SyntheticGame(2)));
    }

    [Fact]
    public void Render_BufferTooSmall_Throws()
    {
        var game = new SyntheticGame(1);

        Assert.Throws<ArgumentException>(() => game.Render(new byte[game.FrameBytes - 1]));
    }
}
