using AgentRnn.Vision;

namespace AgentRnn.Tests.Vision;

/// <summary>SaveState, RestoreState and Reset, and bottom-up game frames.</summary>
public class FramePreprocessorStateTests
{
    public static TheoryData<PixelFormat, bool> LayoutsAndColour => new()
    {
        { PixelFormat.Gray, true }, { PixelFormat.Rgb, true }, { PixelFormat.Rgba, true }, { PixelFormat.Bgr, true }, { PixelFormat.Bgra, true },
        { PixelFormat.Rgb, false }, { PixelFormat.Rgba, false }, { PixelFormat.Bgr, false }, { PixelFormat.Bgra, false },
    };

    private static byte[] Frame(int width, int height, PixelFormat format, int seed)
    {
        var frame = new byte[width * height * format.BytesPerPixel()];
        new Random(seed).NextBytes(frame);
        return frame;
    }

    [Fact]
    public void RestoreState_MidStreamWithMaxPool_ContinuesExactlyAsTheUninterruptedStream()
    {
        const int W = 160, H = 210;
        var options = new PreprocessOptions { FrameSkip = 4, MaxPoolLastTwo = true, Stack = 4 };
        using var original = new FramePreprocessor(W, H, PixelFormat.Rgb, options);
        using var copy = new FramePreprocessor(W, H, PixelFormat.Rgb, options);
        byte[][] frames = Enumerable.Range(0, 23).Select(i => Frame(W, H, PixelFormat.Rgb, i)).ToArray();
        for (int i = 0; i < 11; i++)
        {
            original.Push(frames[i]);
        }
        // Frame 10 is the kept half of a max-pooled pair: the snapshot must carry it.
        var state = new byte[original.StateBytes];
        original.SaveState(state);
        copy.RestoreState(state);
        Assert.Equal(original.RawFrameCount, copy.RawFrameCount);
        Assert.Equal(original.ObservationCount, copy.ObservationCount);
        Assert.Equal(original.Observation.ToArray(), copy.Observation.ToArray());
        for (int i = 11; i < frames.Length; i++)
        {
            Assert.Equal(original.Push(frames[i]), copy.Push(frames[i]));
            Assert.Equal(original.Observation.ToArray(), copy.Observation.ToArray());
        }
    }

    [Fact]
    public void RestoreState_WrongLengthOrCounters_ThrowsOneClearLineAndKeepsState()
    {
        using var preprocessor = new FramePreprocessor(64, 48, PixelFormat.Gray, new PreprocessOptions { Stack = 2 });
        preprocessor.Push(Frame(64, 48, PixelFormat.Gray, 1));
        byte[] before = preprocessor.Observation.ToArray();
        var e = Assert.Throws<ArgumentException>(() => preprocessor.RestoreState(new byte[preprocessor.StateBytes - 1]));
        Assert.StartsWith($"preprocessor state: the buffer holds {preprocessor.StateBytes - 1} bytes; this preprocessor's state is {preprocessor.StateBytes} bytes", e.Message);
        Assert.Throws<ArgumentException>(() => preprocessor.SaveState(new byte[preprocessor.StateBytes + 1]));
        var corrupt = new byte[preprocessor.StateBytes];
        preprocessor.SaveState(corrupt);
        corrupt[^1] = 0x80;
        var counters = Assert.Throws<ArgumentException>(() => preprocessor.RestoreState(corrupt));
        Assert.Contains("counters", counters.Message);
        Assert.Equal(before, preprocessor.Observation.ToArray());
        Assert.Equal(1, preprocessor.RawFrameCount);
    }

    [Fact]
    public void Reset_ClearsStackMaxPoolAndCounters_NextFrameFillsTheStack()
    {
        const int W = 40, H = 30;
        var options = new PreprocessOptions { FrameSkip = 2, MaxPoolLastTwo = true, Stack = 3, Width = 20, Height = 15 };
        using var used = new FramePreprocessor(W, H, PixelFormat.Bgr, options);
        using var fresh = new FramePreprocessor(W, H, PixelFormat.Bgr, options);
        for (int i = 0; i < 5; i++)
        {
            used.Push(Frame(W, H, PixelFormat.Bgr, 100 + i));
        }
        used.Reset();
        Assert.Equal(0, used.RawFrameCount);
        Assert.Equal(0, used.ObservationCount);
        Assert.True(used.Observation.IndexOfAnyExcept((byte)0) < 0);
        var zeros = new byte[used.StateBytes];
        var state = new byte[used.StateBytes];
        used.SaveState(state);
        Assert.Equal(zeros, state);
        for (int i = 0; i < 4; i++)
        {
            byte[] frame = Frame(W, H, PixelFormat.Bgr, 200 + i);
            Assert.Equal(fresh.Push(frame), used.Push(frame));
            Assert.Equal(fresh.Observation.ToArray(), used.Observation.ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(LayoutsAndColour))]
    public void Push_BottomUpGameFrame_EqualsFlippedTopDownFrame(PixelFormat format, bool grayscale)
    {
        // 211×163 → 84×84 takes the area resizer (read through a negative step); 168×126 → 84×84 is a whole-factor
        // shrink cv::resize does (the frame is flipped first); with a crop and padded rows.
        foreach ((int w, int h, CropRect? crop) in new (int, int, CropRect?)[] { (211, 163, null), (168, 126, null), (211, 163, new CropRect(7, 20, 180, 120)) })
        {
            int bpp = format.BytesPerPixel();
            int stride = w * bpp + 12;
            byte[] upright = Frame(w, h, format, w + (int)format);
            var topDown = new byte[stride * h];
            var bottomUp = new byte[stride * h];
            for (int y = 0; y < h; y++)
            {
                upright.AsSpan(y * w * bpp, w * bpp).CopyTo(topDown.AsSpan(y * stride));
                upright.AsSpan(y * w * bpp, w * bpp).CopyTo(bottomUp.AsSpan((h - 1 - y) * stride));
            }
            var options = new PreprocessOptions { Grayscale = grayscale, Crop = crop, Stack = 2, FrameSkip = 2, MaxPoolLastTwo = true };
            using var expected = new FramePreprocessor(w, h, format, options);
            using var actual = new FramePreprocessor(w, h, format, options);
            for (int i = 0; i < 4; i++)
            {
                // The second frame of each pair differs, so the max-pool buffer's orientation matters too.
                byte[] shift = i % 2 == 0 ? topDown : topDown.Select(b => (byte)(b ^ 0x5A)).ToArray();
                byte[] shiftUp = i % 2 == 0 ? bottomUp : bottomUp.Select(b => (byte)(b ^ 0x5A)).ToArray();
                expected.Push(new GameFrame(shift, w, h, stride, format));
                actual.Push(new GameFrame(shiftUp, w, h, stride, format, bottomUp: true));
                Assert.Equal(expected.Observation.ToArray(), actual.Observation.ToArray());
            }
        }
    }

    [Fact]
    public void StateApi_SteadyState_AllocatesNothing()
    {
        using var preprocessor = new FramePreprocessor(160, 210, PixelFormat.Rgb, new PreprocessOptions { FrameSkip = 4 });
        byte[] frame = Frame(160, 210, PixelFormat.Rgb, 3);
        var state = new byte[preprocessor.StateBytes];
        for (int i = 0; i < 8; i++)
        {
            preprocessor.Push(new GameFrame(frame, 160, 210, 480, PixelFormat.Rgb, bottomUp: i % 2 == 0));
            preprocessor.SaveState(state);
            preprocessor.RestoreState(state);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 32; i++)
        {
            preprocessor.Push(new GameFrame(frame, 160, 210, 480, PixelFormat.Rgb, bottomUp: i % 2 == 0));
            preprocessor.SaveState(state);
            preprocessor.RestoreState(state);
            if (i % 8 == 0)
            {
                preprocessor.Reset();
            }
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
