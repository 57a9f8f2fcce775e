using AgentRnn.Core;
using AgentRnn.Vision;
using AgentRnn.Vision.OpenCv;

namespace AgentRnn.Tests.Vision;

public class FramePreprocessorTests
{
    public static TheoryData<PixelFormat> Layouts => new() { PixelFormat.Gray, PixelFormat.Rgb, PixelFormat.Rgba, PixelFormat.Bgr, PixelFormat.Bgra };

    /// <summary>OpenCV called directly, one call per step: cv::cvtColor to gray, then cv::resize with INTER_AREA.</summary>
    private static byte[] GrayAreaReference(byte[] frame, PixelFormat format, int width, int height, int outWidth, int outHeight)
    {
        byte[] gray = frame;
        if (format != PixelFormat.Gray)
        {
            gray = new byte[width * height];
            Cv.CvtColor(frame, format, gray, PixelFormat.Gray, width, height);
        }
        var resized = new byte[outWidth * outHeight];
        Cv.Resize(gray, width, height, resized, outWidth, outHeight, PixelFormat.Gray, Cv.InterArea);
        return resized;
    }

    private static byte[] Crop(byte[] frame, int width, int bpp, CropRect crop)
    {
        var cropped = new byte[crop.Width * crop.Height * bpp];
        for (int y = 0; y < crop.Height; y++)
        {
            frame.AsSpan(((crop.Y + y) * width + crop.X) * bpp, crop.Width * bpp).CopyTo(cropped.AsSpan(y * crop.Width * bpp));
        }
        return cropped;
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Push_GrayInterArea_EqualsOpenCvCalledDirectly(PixelFormat format)
    {
        const int Width = 161, Height = 97;
        using var preprocessor = new FramePreprocessor(Width, Height, format, new PreprocessOptions { Stack = 1 });
        for (int i = 0; i < 3; i++)
        {
            byte[] frame = TestVideos.Pattern(Width, Height, i, format);
            Assert.True(preprocessor.Push(frame));
            Assert.Equal(GrayAreaReference(frame, format, Width, Height, 84, 84), preprocessor.Observation.ToArray());
        }
    }

    /// <summary>Gray shrinks by non-integer factors take the managed AreaResizer instead of cv::resize; it must give the same bytes.</summary>
    public static TheoryData<int, int, int, int> AreaShrinks => new()
    {
        { 1280, 720, 84, 84 }, { 1920, 1080, 84, 84 }, { 640, 360, 84, 84 }, { 160, 210, 84, 84 }, { 161, 97, 84, 84 },
        { 85, 85, 84, 84 }, { 1000, 90, 84, 84 }, { 97, 1001, 13, 84 }, { 300, 200, 7, 9 }, { 1280, 720, 160, 90 }, { 1280, 720, 96, 96 },
    };

    [Theory]
    [MemberData(nameof(AreaShrinks))]
    public void Push_GrayAreaShrink_EqualsCvResizeBitForBit(int width, int height, int outWidth, int outHeight)
    {
        // Uniform noise is the hardest input for bit-exactness: every tap's rounding matters. Plus a saturated frame
        // (sums of exactly 255) and a ramp.
        var random = new Random(width * 7919 + height);
        var noise = new byte[width * height];
        random.NextBytes(noise);
        byte[] white = Enumerable.Repeat((byte)255, width * height).ToArray();
        byte[] ramp = Enumerable.Range(0, width * height).Select(i => (byte)(i % width + i / width)).ToArray();
        var options = new PreprocessOptions { Width = outWidth, Height = outHeight, Stack = 1 };
        using var preprocessor = new FramePreprocessor(width, height, PixelFormat.Gray, options);
        foreach (byte[] frame in new[] { noise, white, ramp })
        {
            Assert.True(preprocessor.Push(frame));
            Assert.Equal(GrayAreaReference(frame, PixelFormat.Gray, width, height, outWidth, outHeight), preprocessor.Observation.ToArray());
        }
    }

    [Fact]
    public void Push_GrayAreaShrinkOfCrop_EqualsCvResizeOfCroppedFrame()
    {
        const int Width = 1280, Height = 720;
        var crop = new CropRect(101, 37, 1001, 603);
        var frame = new byte[Width * Height];
        new Random(3).NextBytes(frame);
        using var preprocessor = new FramePreprocessor(Width, Height, PixelFormat.Gray, new PreprocessOptions { Crop = crop, Stack = 1 });
        Assert.True(preprocessor.Push(frame));
        Assert.Equal(GrayAreaReference(Crop(frame, Width, 1, crop), PixelFormat.Gray, crop.Width, crop.Height, 84, 84), preprocessor.Observation.ToArray());
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Push_GameBufferWithCropAndPaddedStride_EqualsOpenCvOnCroppedFrame(PixelFormat format)
    {
        const int Width = 160, Height = 210, Padding = 24;
        var crop = new CropRect(8, 34, 144, 160);
        int bpp = format.BytesPerPixel();
        byte[] packed = TestVideos.Pattern(Width, Height, 4, format);
        int stride = Width * bpp + Padding;
        var padded = new byte[stride * Height];
        for (int y = 0; y < Height; y++)
        {
            packed.AsSpan(y * Width * bpp, Width * bpp).CopyTo(padded.AsSpan(y * stride));
        }
        var options = new PreprocessOptions { Crop = crop, Height = 84, Width = 84, Stack = 1 };
        using var preprocessor = new FramePreprocessor(Width, Height, format, options);
        Assert.True(preprocessor.Push(padded, stride));
        byte[] expected = GrayAreaReference(Crop(packed, Width, bpp, crop), format, crop.Width, crop.Height, 84, 84);
        Assert.Equal(expected, preprocessor.Observation.ToArray());
    }

    [Fact]
    public void Push_BgrToGray_MatchesOpenCvFixedPointFormula()
    {
        // cv::COLOR_BGR2GRAY on 8-bit data (OpenCV 4.x): Y = (3735·B + 19235·G + 9798·R + 2^14) >> 15 (0.114, 0.587, 0.299 in Q15).
        const int Width = 64, Height = 48;
        byte[] frame = TestVideos.Pattern(Width, Height, 9, PixelFormat.Bgr);
        using var preprocessor = new FramePreprocessor(Width, Height, PixelFormat.Bgr, new PreprocessOptions { Width = Width, Height = Height, Stack = 1 });
        preprocessor.Push(frame);
        ReadOnlySpan<byte> gray = preprocessor.Observation;
        for (int i = 0; i < Width * Height; i++)
        {
            int expected = (3735 * frame[3 * i] + 19235 * frame[3 * i + 1] + 9798 * frame[3 * i + 2] + (1 << 14)) >> 15;
            Assert.Equal(expected, gray[i]);
        }
    }

    [Fact]
    public void Push_ColorOutput_IsRgbPlanesChannelFirst()
    {
        const int Width = 90, Height = 70;
        byte[] frame = TestVideos.Pattern(Width, Height, 2, PixelFormat.Bgra);
        using var preprocessor = new FramePreprocessor(Width, Height, PixelFormat.Bgra, new PreprocessOptions { Grayscale = false, Height = 30, Width = 40, Stack = 2 });
        Assert.Equal(6, preprocessor.OutputChannels);
        preprocessor.Push(frame);
        var rgb = new byte[Width * Height * 3];
        Cv.CvtColor(frame, PixelFormat.Bgra, rgb, PixelFormat.Rgb, Width, Height);
        var resized = new byte[40 * 30 * 3];
        Cv.Resize(rgb, Width, Height, resized, 40, 30, PixelFormat.Rgb, Cv.InterArea);
        ReadOnlySpan<byte> observation = preprocessor.Observation;
        for (int c = 0; c < 3; c++)
        {
            for (int p = 0; p < 40 * 30; p++)
            {
                Assert.Equal(resized[3 * p + c], observation[c * 1200 + p]);
                Assert.Equal(resized[3 * p + c], observation[(3 + c) * 1200 + p]);
            }
        }
    }

    [Fact]
    public void Push_StartOfStream_FirstFrameFillsStackThenOldestFirst()
    {
        const int Size = 8;
        var options = new PreprocessOptions { Height = Size, Width = Size, Stack = 4 };
        using var preprocessor = new FramePreprocessor(Size, Size, PixelFormat.Gray, options);
        int plane = Size * Size;
        byte[] Solid(byte value) => Enumerable.Repeat(value, plane).ToArray();

        Assert.True(preprocessor.Push(Solid(10)));
        Assert.Equal(Enumerable.Repeat((byte)10, 4 * plane), preprocessor.Observation.ToArray());
        preprocessor.Push(Solid(20));
        preprocessor.Push(Solid(30));
        Assert.Equal(new byte[] { 10, 10, 20, 30 }, Slots(preprocessor.Observation, plane));
        preprocessor.Push(Solid(40));
        preprocessor.Push(Solid(50));
        Assert.Equal(new byte[] { 20, 30, 40, 50 }, Slots(preprocessor.Observation, plane));

        preprocessor.Reset();
        Assert.True(preprocessor.Push(Solid(60)));
        Assert.Equal(new byte[] { 60, 60, 60, 60 }, Slots(preprocessor.Observation, plane));
    }

    private static byte[] Slots(ReadOnlySpan<byte> observation, int plane)
    {
        var values = new byte[observation.Length / plane];
        for (int s = 0; s < values.Length; s++)
        {
            ReadOnlySpan<byte> slot = observation.Slice(s * plane, plane);
            Assert.True(slot.IndexOfAnyExcept(slot[0]) < 0, $"slot {s} is not uniform");
            values[s] = slot[0];
        }
        return values;
    }

    [Fact]
    public void Push_FrameSkipWithMaxPool_MaxOfLastTwoRawFramesOfEachWindow()
    {
        const int Width = 50, Height = 40;
        var options = new PreprocessOptions { FrameSkip = 4, MaxPoolLastTwo = true, Height = 21, Width = 25, Stack = 2 };
        using var preprocessor = new FramePreprocessor(Width, Height, PixelFormat.Rgb, options);
        var raw = Enumerable.Range(0, 8).Select(i => TestVideos.Pattern(Width, Height, i * 11, PixelFormat.Rgb)).ToArray();
        var ready = raw.Select(frame => preprocessor.Push(frame)).ToArray();
        Assert.Equal(new[] { false, false, false, true, false, false, false, true }, ready);
        Assert.Equal(8, preprocessor.RawFrameCount);
        Assert.Equal(2, preprocessor.ObservationCount);

        byte[] Expected(int a, int b)
        {
            // Max over raw RGB frames (as SB3's MaxAndSkipEnv, before the observation wrappers), then gray + INTER_AREA.
            byte[] max = raw[a].Zip(raw[b], Math.Max).ToArray();
            return GrayAreaReference(max, PixelFormat.Rgb, Width, Height, 25, 21);
        }
        int plane = 21 * 25;
        Assert.Equal(Expected(2, 3), preprocessor.Observation[..plane].ToArray());
        Assert.Equal(Expected(6, 7), preprocessor.Observation[plane..].ToArray());
    }

    [Fact]
    public void Push_FrameSkipWithoutMaxPool_UsesLastFrameOfWindow()
    {
        const int Size = 16;
        var options = new PreprocessOptions { FrameSkip = 3, MaxPoolLastTwo = false, Height = Size, Width = Size, Stack = 1 };
        using var preprocessor = new FramePreprocessor(Size, Size, PixelFormat.Gray, options);
        var raw = Enumerable.Range(0, 3).Select(i => TestVideos.Pattern(Size, Size, 40 - i * 13, PixelFormat.Gray)).ToArray();
        Assert.False(preprocessor.Push(raw[0]));
        Assert.False(preprocessor.Push(raw[1]));
        Assert.True(preprocessor.Push(raw[2]));
        Assert.Equal(raw[2], preprocessor.Observation.ToArray());
    }

    [Fact]
    public void CopyObservation_ScalesByOneOver255()
    {
        const int Size = 16;
        using var preprocessor = new FramePreprocessor(Size, Size, PixelFormat.Gray, new PreprocessOptions { Height = Size, Width = Size, Stack = 2 });
        byte[] frame = Enumerable.Range(0, Size * Size).Select(i => (byte)i).ToArray();
        preprocessor.Push(frame);
        var floats = new float[preprocessor.ObservationSize];
        preprocessor.CopyObservation(floats);
        for (int i = 0; i < floats.Length; i++)
        {
            Assert.Equal(preprocessor.Observation[i] / 255f, floats[i]);
        }
        Assert.Equal(1f, floats[255]);
        Assert.Throws<ArgumentException>(() => preprocessor.CopyObservation(new float[floats.Length - 1]));
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Push_StrideShorterThanRow_ThrowsFrameFormatException(PixelFormat format)
    {
        using var preprocessor = new FramePreprocessor(20, 10, format);
        int row = 20 * format.BytesPerPixel();
        var frame = new byte[row * 10];
        var e = Assert.Throws<FrameFormatException>(() => preprocessor.Push(frame, row - 1));
        Assert.Contains("stride", e.Message);
        Assert.Equal(0, preprocessor.RawFrameCount);
    }

    [Fact]
    public void Push_BufferShorterThanFrame_ThrowsAlsoOnSkippedFrames()
    {
        using var preprocessor = new FramePreprocessor(20, 10, PixelFormat.Rgba, new PreprocessOptions { FrameSkip = 4 });
        var frame = new byte[20 * 10 * 4 - 1];
        Assert.Throws<FrameFormatException>(() => preprocessor.Push(frame));
        Assert.Equal(0, preprocessor.RawFrameCount);
    }

    [Fact]
    public void Create_UnsupportedLayoutOrBadOptions_ThrowsAgentException()
    {
        var layout = Assert.Throws<FrameFormatException>(() => new FramePreprocessor(20, 10, (PixelFormat)7));
        Assert.Contains("unsupported pixel layout 7", layout.Message);
        Assert.Throws<AgentException>(() => new FramePreprocessor(20, 10, PixelFormat.Gray, new PreprocessOptions { Stack = 0 }));
        Assert.Throws<AgentException>(() => new FramePreprocessor(20, 10, PixelFormat.Gray, new PreprocessOptions { Crop = new CropRect(5, 0, 16, 10) }));
    }
}
