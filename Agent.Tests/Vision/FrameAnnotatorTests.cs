using AgentRnn.Vision;

namespace AgentRnn.Tests.Vision;

public class FrameAnnotatorTests
{
    private const int Width = 200, Height = 120;

    private static byte[] White() => Enumerable.Repeat((byte)255, Width * Height * 3).ToArray();

    // Bar pixels are BGR (80, 200, 60); count them along the bar's middle row.
    private static int BarPixels(byte[] frame)
    {
        int best = 0;
        for (int y = 0; y < Height; y++)
        {
            int count = 0;
            for (int x = 0; x < Width; x++)
            {
                int o = (y * Width + x) * 3;
                if (frame[o] == 80 && frame[o + 1] == 200 && frame[o + 2] == 60)
                {
                    count++;
                }
            }
            best = Math.Max(best, count);
        }
        return best;
    }

    [Fact]
    public void Draw_Label_DarkensTopBandWithTextAndLeavesRestUntouched()
    {
        byte[] frame = White();
        FrameAnnotator.Draw(frame, Width, Height, Width * 3, "jump", 0.5f);
        Assert.Equal(24, frame[0]);
        Assert.Contains(frame.AsSpan(0, Width * 3 * 20).ToArray(), b => b > 200);
        Assert.All(frame.AsSpan((Height - 1) * Width * 3).ToArray(), b => Assert.Equal(255, b));
    }

    [Fact]
    public void Draw_Confidence_BarLengthProportional()
    {
        byte[] half = White();
        byte[] full = White();
        byte[] none = White();
        FrameAnnotator.Draw(half, Width, Height, Width * 3, "run", 0.5f);
        FrameAnnotator.Draw(full, Width, Height, Width * 3, "run", 1f);
        FrameAnnotator.Draw(none, Width, Height, Width * 3, "run", 0f);
        int fullBar = BarPixels(full);
        Assert.InRange(fullBar, Width - 10, Width);
        Assert.InRange(BarPixels(half), fullBar / 2 - 1, fullBar / 2 + 1);
        Assert.Equal(0, BarPixels(none));
    }

    [Fact]
    public void Draw_StrideTooShort_ThrowsFrameFormatException()
    {
        var frame = new byte[Width * Height * 3];
        Assert.Throws<FrameFormatException>(() => FrameAnnotator.Draw(frame, Width, Height, Width * 3 - 1, "x", 1f));
    }
}
