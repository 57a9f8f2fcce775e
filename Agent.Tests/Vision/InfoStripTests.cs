using AgentRnn.Vision;

namespace AgentRnn.Tests.Vision;

public class InfoStripTests
{
    [Theory]
    [InlineData(160, 210)]
    [InlineData(64, 47)]
    [InlineData(1280, 720)]
    public void Rows_HoldFourLinesAndMakeTheFrameEven(int width, int height)
    {
        int rows = InfoStrip.Rows(width, height);
        Assert.Equal(0, (height + rows) % 2);
        Assert.InRange(rows, 40, 200);
    }

    [Fact]
    public void Draw_OnlyTheStripRowsChange_TextAndScoreBarsDrawn()
    {
        const int Width = 200, Height = 60;
        int rows = InfoStrip.Rows(Width, Height);
        byte[] frame = Enumerable.Repeat((byte)255, Width * (Height + rows) * 3).ToArray();

        InfoStrip.Draw(frame, Width, Height, rows, 1234, 41.5, ["jump", "run", "idle"], [1f, 0.5f, 0.25f]);

        Assert.All(frame.AsSpan(0, Width * Height * 3).ToArray(), b => Assert.Equal(255, b));
        byte[] strip = frame[(Width * Height * 3)..];
        Assert.Equal(24, strip[0]);
        Assert.Contains(strip, b => b > 200); // text
        // The bars: green for the best label, spanning its score of the width; the others shorter.
        int GreenRun(int row)
        {
            int count = 0;
            for (int x = 0; x < Width; x++)
            {
                int o = (row * Width + x) * 3;
                if (strip[o] == 60 && strip[o + 1] == 150 && strip[o + 2] == 40)
                {
                    count++;
                }
            }
            return count;
        }
        int widest = Enumerable.Range(0, rows).Max(GreenRun);
        Assert.InRange(widest, Width - 20, Width);
    }

    [Fact]
    public void Draw_StripPastTheBuffer_ThrowsFrameFormatException()
    {
        var frame = new byte[100 * 10 * 3];
        Assert.Throws<FrameFormatException>(() => InfoStrip.Draw(frame, 100, 5, 10, 0, 0, ["a"], [1f]));
    }
}
