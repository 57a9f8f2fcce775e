using AgentRnn.Core;
using AgentRnn.Vision;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Vision;

public sealed class GameFrameTests(ITestOutputHelper output)
{
    private const int Width = 160, Height = 210, Padding = 12;

    public static TheoryData<PixelFormat, bool> LayoutsAndOutputs()
    {
        var data = new TheoryData<PixelFormat, bool>();
        foreach (PixelFormat format in new[] { PixelFormat.Gray, PixelFormat.Rgb, PixelFormat.Rgba, PixelFormat.Bgr, PixelFormat.Bgra })
        {
            data.Add(format, true);
            data.Add(format, false);
        }
        return data;
    }

    /// <summary>Frame <paramref name="index"/> of the test pattern with <see cref="Padding"/> junk bytes after every row.</summary>
    private static byte[] Padded(int index, PixelFormat format, out int stride)
    {
        int row = Width * format.BytesPerPixel();
        stride = row + Padding;
        byte[] packed = TestVideos.Pattern(Width, Height, index, format);
        var padded = new byte[stride * Height];
        Array.Fill(padded, (byte)0xA5);
        for (int y = 0; y < Height; y++)
        {
            packed.AsSpan(y * row, row).CopyTo(padded.AsSpan(y * stride));
        }
        return padded;
    }

    [Theory]
    [MemberData(nameof(LayoutsAndOutputs))]
    public void Push_GameFrameEveryLayout_EqualsTheSpanPath(PixelFormat format, bool grayscale)
    {
        var options = new PreprocessOptions { Grayscale = grayscale, Crop = new CropRect(8, 34, 144, 160), Stack = 3 };
        using var viaFrame = new FramePreprocessor(Width, Height, format, options);
        using var viaSpan = new FramePreprocessor(Width, Height, format, options);
        for (int i = 0; i < 5; i++)
        {
            byte[] pixels = Padded(i, format, out int stride);
            Assert.True(viaFrame.Push(new GameFrame(pixels, Width, Height, stride, format)));
            Assert.True(viaSpan.Push(pixels, stride));
            Assert.Equal(viaSpan.Observation.ToArray(), viaFrame.Observation.ToArray());
        }
        byte[] packed = TestVideos.Pattern(Width, Height, 9, format);
        viaFrame.Push(new GameFrame(packed, Width, Height, format));
        viaSpan.Push(packed);
        Assert.Equal(viaSpan.Observation.ToArray(), viaFrame.Observation.ToArray());
    }

    public static TheoryData<int, int, int, int, string> BadFrames => new()
    {
        { 0, 10, 60, 600, "game frame: size 0x10 is not positive" },
        { 20, -1, 60, 600, "game frame: size 20x-1 is not positive" },
        { 20, 10, 59, 600, "game frame: stride 59 is smaller than a row (20 Rgb pixels = 60 bytes)" },
        { 20, 10, 64, 635, "game frame: buffer too short: a 20x10 Rgb frame at stride 64 needs 636 bytes, got 635" },
        { 20, 10, 60, 0, "game frame: buffer too short: a 20x10 Rgb frame at stride 60 needs 600 bytes, got 0" },
    };

    [Theory]
    [MemberData(nameof(BadFrames))]
    public void Constructor_BadLayout_OneLineNamingWhatIsWrong(int width, int height, int stride, int length, string expected)
    {
        var pixels = new byte[length];
        var e = Assert.Throws<FrameFormatException>(() => _ = new GameFrame(pixels, width, height, stride, PixelFormat.Rgb));
        output.WriteLine(e.Message);
        Assert.Equal(expected, e.Message);
        Assert.IsAssignableFrom<AgentException>(e);
    }

    [Fact]
    public void Constructor_PackedTooShortOrUnknownLayout_OneLine()
    {
        var pixels = new byte[20 * 10 * 4 - 1];
        var shortBuffer = Assert.Throws<FrameFormatException>(() => _ = new GameFrame(pixels, 20, 10, PixelFormat.Bgra));
        Assert.Equal("game frame: buffer too short: a 20x10 Bgra frame at stride 80 needs 800 bytes, got 799", shortBuffer.Message);
        var layout = Assert.Throws<FrameFormatException>(() => _ = new GameFrame(pixels, 20, 10, (PixelFormat)9));
        Assert.Contains("unsupported pixel layout 9", layout.Message);
        var wide = Assert.Throws<FrameFormatException>(() => _ = new GameFrame(pixels, int.MaxValue, 1, PixelFormat.Rgba));
        Assert.StartsWith("game frame: stride", wide.Message);
        Assert.All(new[] { shortBuffer, layout, wide }, x => Assert.DoesNotContain('\n', x.Message));
    }

    [Theory]
    [InlineData(161, 210, PixelFormat.Rgb, "the game frame is 161x210 Rgb; this preprocessor takes 160x210 Rgb")]
    [InlineData(160, 209, PixelFormat.Rgb, "the game frame is 160x209 Rgb; this preprocessor takes 160x210 Rgb")]
    [InlineData(160, 210, PixelFormat.Bgr, "the game frame is 160x210 Bgr; this preprocessor takes 160x210 Rgb")]
    public void Push_GameFrameOfAnotherSizeOrLayout_ThrowsAndKeepsTheObservation(int width, int height, PixelFormat format, string expected)
    {
        using var preprocessor = new FramePreprocessor(Width, Height, PixelFormat.Rgb, new PreprocessOptions { Stack = 1 });
        var pixels = new byte[width * height * format.BytesPerPixel()];
        var e = Assert.Throws<FrameFormatException>(() => preprocessor.Push(new GameFrame(pixels, width, height, format)));
        output.WriteLine(e.Message);
        Assert.Equal($"raw frame 0: {expected}", e.Message);
        Assert.Equal(0, preprocessor.RawFrameCount);
    }

    [Fact]
    public void Push_GameFrameSteadyState_AllocatesNothing()
    {
        byte[] pixels = Padded(1, PixelFormat.Rgba, out int stride);
        using var preprocessor = new FramePreprocessor(Width, Height, PixelFormat.Rgba, new PreprocessOptions { FrameSkip = 2 });
        for (int i = 0; i < 4; i++)
        {
            preprocessor.Push(new GameFrame(pixels, Width, Height, stride, PixelFormat.Rgba));
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            preprocessor.Push(new GameFrame(pixels, Width, Height, stride, PixelFormat.Rgba));
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"{allocated} bytes allocated over 20 game frames");
        Assert.Equal(0, allocated);
    }
}
