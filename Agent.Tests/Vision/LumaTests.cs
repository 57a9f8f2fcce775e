using AgentRnn.Vision;
using AgentRnn.Vision.OpenCv;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Vision;

/// <summary><see cref="GrayConversion.Luma"/>: the luma plane OpenCV hands out, checked against OpenCV's gray and ffmpeg's.</summary>
public sealed class LumaTests : IDisposable
{
    private static readonly VideoSourceOptions Luma = new() { Format = PixelFormat.Gray, Gray = GrayConversion.Luma };
    private static readonly VideoSourceOptions Exact = new() { Format = PixelFormat.Gray };

    private readonly TestVideos _videos = new();
    private readonly ITestOutputHelper _output;

    public LumaTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _videos.Dispose();

    /// <summary>Generated YUV videos: OpenCV's writer (name = fourcc + extension) or the ffmpeg CLI (name starts with "ffmpeg-").</summary>
    public static TheoryData<string> Videos => new()
    {
        "mp4v.mp4", "MJPG.avi", "XVID.avi", "ffmpeg-h264.mkv", "ffmpeg-h264-bframes.mp4", "ffmpeg-vfr.mkv",
    };

    private string Make(string name)
    {
        string path = _videos.PathFor(name);
        switch (name)
        {
            case "ffmpeg-h264.mkv":
                return _videos.WriteH264(name, 96, 64, 25, 30);
            case "ffmpeg-h264-bframes.mp4":
                TestVideos.Ffmpeg("-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=176x144:rate=30", "-frames:v", "45",
                    "-c:v", "libx264", "-bf", "3", "-g", "12", "-pix_fmt", "yuv420p", path);
                return path;
            case "ffmpeg-vfr.mkv":
                TestVideos.Ffmpeg(
                    "-v", "error", "-y", "-f", "lavfi",
                    "-i", "testsrc=size=96x64:rate=25,settb=1/1000,setpts='if(lt(N\\,6)\\,N*40\\,240+(N-6)*100)'",
                    "-frames:v", "12", "-fps_mode", "passthrough", "-c:v", "mpeg4", path);
                return path;
            default:
                return _videos.Write(name, name[..4], 96, 64, 25, 30);
        }
    }

    private static (List<byte[]> Frames, List<double> Times, VideoSource Source) ReadAll(string path, VideoSourceOptions options)
    {
        VideoSource source = VideoSource.Open(path, options);
        var frames = new List<byte[]>();
        var times = new List<double>();
        var frame = new byte[source.FrameBytes];
        while (source.Read(frame, out VideoFrameInfo info))
        {
            Assert.Equal(frames.Count, info.Index);
            frames.Add((byte[])frame.Clone());
            times.Add(info.TimestampSeconds);
        }
        return (frames, times, source);
    }

    [Theory]
    [MemberData(nameof(Videos))]
    public void Read_LumaVsCvtColor_SameFactsFramesAndTimestamps(string name)
    {
        string path = Make(name);
        (List<byte[]> lumaFrames, List<double> lumaTimes, VideoSource luma) = ReadAll(path, Luma);
        (List<byte[]> exactFrames, List<double> exactTimes, VideoSource exact) = ReadAll(path, Exact);
        using (luma)
        using (exact)
        {
            Assert.Equal(GrayConversion.Luma, luma.Gray);
            Assert.Equal(GrayConversion.CvtColor, exact.Gray);
            Assert.Equal((exact.Width, exact.Height, exact.Fps, exact.DeclaredFrameCount, exact.Codec), (luma.Width, luma.Height, luma.Fps, luma.DeclaredFrameCount, luma.Codec));
            _output.WriteLine($"{name}: {lumaFrames.Count} frames, {luma.Codec}, timestamps {string.Join(", ", lumaTimes.Take(8).Select(t => t.ToString("0.###")))}");
            Assert.Equal(exactFrames.Count, lumaFrames.Count);
            Assert.Equal(exactTimes, lumaTimes);
        }
    }

    [Theory]
    [MemberData(nameof(Videos))]
    public void Read_LumaGray_WithinToleranceOfCvtColor(string name)
    {
        // Tolerances (gray levels): the luma plane expanded as swscale does it differs from OpenCV's YUV → BGR → gray by
        // the rounding of three BGR channels (about one level on average, nearly all pixels within 2) and, where
        // saturated colors clip in BGR, by up to a few tens of levels on single edge pixels (printed, not bounded).
        const double MeanTolerance = 1.5;
        const double WithinTwoFraction = 0.90;
        string path = Make(name);
        (List<byte[]> lumaFrames, _, VideoSource luma) = ReadAll(path, Luma);
        (List<byte[]> exactFrames, _, VideoSource exact) = ReadAll(path, Exact);
        using (luma)
        using (exact)
        {
            GrayDifference full = GrayDifference.Of(lumaFrames, exactFrames);
            _output.WriteLine($"{name}: {full} (tolerance: mean {MeanTolerance}, within 2 levels {WithinTwoFraction:P0})");
            Assert.True(full.Mean <= MeanTolerance, $"mean difference {full.Mean}");
            Assert.True(full.WithinTwo >= WithinTwoFraction, $"only {full.WithinTwo:P2} of pixels within 2 levels");
        }
    }

    [Theory]
    [InlineData("h264.mp4", "libx264", "yuv420p")]
    [InlineData("mjpeg.avi", "mjpeg", "yuvj420p")]
    public void Read_LumaGrayAreaResized_WithinToleranceOfCvtColor(string name, string codec, string pixelFormat)
    {
        // What an Atari-style model sees: 640×360 frames resized to 84×84 with INTER_AREA, which averages ~7.6×4.3 source
        // pixels into one. Tolerances: mean 1 level, worst 8.
        const double MeanTolerance = 1.0;
        const int AreaTolerance = 8;
        string path = _videos.PathFor(name);
        TestVideos.Ffmpeg("-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=640x360:rate=10", "-frames:v", "10",
            "-c:v", codec, "-pix_fmt", pixelFormat, path);
        (List<byte[]> lumaFrames, _, VideoSource luma) = ReadAll(path, Luma);
        (List<byte[]> exactFrames, _, VideoSource exact) = ReadAll(path, Exact);
        using (luma)
        using (exact)
        {
            GrayDifference area = GrayDifference.Of(Area(lumaFrames, luma.Width, luma.Height), Area(exactFrames, luma.Width, luma.Height));
            _output.WriteLine($"{name}: full frame {GrayDifference.Of(lumaFrames, exactFrames)}; 84x84 INTER_AREA {area} (tolerance: mean {MeanTolerance}, worst {AreaTolerance})");
            Assert.True(area.Mean <= MeanTolerance, $"84x84 mean difference {area.Mean}");
            Assert.True(area.Max <= AreaTolerance, $"84x84 worst difference {area.Max}");
        }
    }

    private static List<byte[]> Area(List<byte[]> frames, int width, int height) => frames.Select(frame =>
    {
        var resized = new byte[84 * 84];
        Cv.Resize(frame, width, height, resized, 84, 84, PixelFormat.Gray, Cv.InterArea);
        return resized;
    }).ToList();

    [Theory]
    [InlineData("limited.mp4", "libx264", "yuv420p")]
    [InlineData("nv12.mkv", "rawvideo", "nv12")]
    [InlineData("planar422.mkv", "ffv1", "yuv422p")]
    public void Read_LimitedRangeYuv_EqualsFfmpegFormatGray(string name, string codec, string pixelFormat)
    {
        // Lossless or bit-exact decoders: the luma planes are equal in both FFmpeg builds, so the expansion is checked
        // byte for byte against ffmpeg's own format=gray.
        string path = _videos.PathFor(name);
        TestVideos.Ffmpeg("-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=128x80:rate=10", "-frames:v", "8",
            "-c:v", codec, "-pix_fmt", pixelFormat, path);
        string raw = _videos.PathFor(name + ".gray");
        TestVideos.Ffmpeg("-v", "error", "-y", "-i", path, "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "gray", raw);
        byte[] expected = File.ReadAllBytes(raw);
        (List<byte[]> frames, _, VideoSource source) = ReadAll(path, Luma);
        using (source)
        {
            Assert.Equal(GrayConversion.Luma, source.Gray);
            Assert.Equal(8, frames.Count);
            Assert.Equal(expected, frames.SelectMany(f => f).ToArray());
        }
    }

    [Theory]
    [InlineData(256)]
    [InlineData(270)]
    public void Read_LimitedRangeRamp_ExpandsEveryLumaValueLikeFfmpeg(int width)
    {
        // Every luma value 0..255 in one lossless frame (chroma neutral): the expansion is checked over its whole domain.
        // Rows are shifted ramps, so that with a width that is not a multiple of the vector width the scalar tail sees
        // every value too.
        const int Height = 16;
        var yuv = new byte[width * Height * 3 / 2];
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                yuv[y * width + x] = (byte)(x + 17 * y);
            }
        }
        yuv.AsSpan(width * Height).Fill(128);
        string rawIn = _videos.PathFor($"ramp{width}.yuv");
        File.WriteAllBytes(rawIn, yuv);
        string path = _videos.PathFor($"ramp{width}.mkv");
        TestVideos.Ffmpeg("-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", $"{width}x{Height}", "-r", "10", "-i", rawIn,
            "-c:v", "ffv1", path);
        string rawOut = _videos.PathFor($"ramp{width}.gray");
        TestVideos.Ffmpeg("-v", "error", "-y", "-i", path, "-f", "rawvideo", "-pix_fmt", "gray", rawOut);
        (List<byte[]> frames, _, VideoSource source) = ReadAll(path, Luma);
        using (source)
        {
            byte[] definition = yuv.AsSpan(0, width * Height).ToArray()
                .Select(v => (byte)Math.Clamp(Math.Round((v - 16) * 255.0 / 219.0), 0, 255)).ToArray();
            Assert.Equal(definition, frames.Single());
            Assert.Equal(File.ReadAllBytes(rawOut), frames.Single());
        }
    }

    [Fact]
    public void Expand_EveryValueAndLength_EqualsDefinition()
    {
        for (int v = 0; v < 256; v++)
        {
            Assert.Equal((byte)Math.Clamp(Math.Round((v - 16) * 255.0 / 219.0), 0, 255), LumaRange.Expand((byte)v));
        }
        // Every width this CPU runs (a width it lacks falls back to the widest it has), every value in every lane
        // position (the lengths cover whole vectors and tails), exact (tolerance 0).
        foreach (SimdWidth width in Enum.GetValues<SimdWidth>())
        {
            foreach (int length in new[] { 0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 1000, 1280 })
            {
                byte[] source = Enumerable.Range(0, length).Select(i => (byte)(i * 7 + 3)).ToArray();
                var destination = new byte[length];
                LumaRange.Expand(source, destination, width);
                Assert.Equal(source.Select(LumaRange.Expand).ToArray(), destination);
            }
        }
    }

    [Theory]
    [InlineData("bgr0.mkv", "ffv1", "bgr0")]
    [InlineData("rgb24.mkv", "png", "rgb24")]
    [InlineData("pal8.avi", "rawvideo", "pal8")]
    [InlineData("p10.mkv", "ffv1", "yuv420p10le")]
    public void Read_NoEightBitLumaPlane_FallsBackToCvtColorExactly(string name, string codec, string pixelFormat)
    {
        string path = _videos.PathFor(name);
        TestVideos.Ffmpeg("-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=90x60:rate=10", "-frames:v", "6",
            "-c:v", codec, "-pix_fmt", pixelFormat, path);
        (List<byte[]> lumaFrames, _, VideoSource luma) = ReadAll(path, Luma);
        (List<byte[]> exactFrames, _, VideoSource exact) = ReadAll(path, Exact);
        using (luma)
        using (exact)
        {
            Assert.Equal(GrayConversion.CvtColor, luma.Gray);
            Assert.Equal(6, lumaFrames.Count);
            Assert.Equal(exactFrames, lumaFrames);
        }
    }

    [Fact]
    public void Read_RotatedVideo_LumaRotatesAsOpenCvDoes()
    {
        string plain = _videos.PathFor("plain.mp4");
        TestVideos.Ffmpeg("-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=160x96:rate=10", "-frames:v", "5",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", plain);
        string path = _videos.PathFor("rotated.mp4");
        TestVideos.Ffmpeg("-v", "error", "-y", "-i", plain, "-c", "copy", "-metadata:s:v:0", "rotate=90", path);
        (List<byte[]> lumaFrames, _, VideoSource luma) = ReadAll(path, Luma);
        (List<byte[]> exactFrames, _, VideoSource exact) = ReadAll(path, Exact);
        using (luma)
        using (exact)
        {
            Assert.Equal((96, 160), (exact.Width, exact.Height));
            Assert.Equal((exact.Width, exact.Height), (luma.Width, luma.Height));
            GrayDifference difference = GrayDifference.Of(lumaFrames, exactFrames);
            _output.WriteLine($"rotated: {difference} (tolerance: mean 1.5, as unrotated frames)");
            Assert.True(difference.Mean <= 1.5, $"mean difference {difference.Mean}: rotated the other way?");
        }
    }

    [Theory]
    [InlineData("mp4v", ".mp4")]
    [InlineData("MJPG", ".avi")]
    [InlineData("h264", ".mkv")]
    public void Seek_Luma_ReturnsSameFrameAsSequentialRead(string fourcc, string extension)
    {
        string path = fourcc == "h264" ? _videos.WriteH264("seek" + extension, 64, 48, 25, 40) : _videos.Write("seek" + extension, fourcc, 64, 48, 25, 40);
        (List<byte[]> sequential, List<double> times, VideoSource whole) = ReadAll(path, Luma);
        whole.Dispose();
        using VideoSource seeking = VideoSource.Open(path, Luma);
        var buffer = new byte[seeking.FrameBytes];
        foreach (int target in new[] { 17, 3, 39, 0, 25, 24, 38, 1 })
        {
            seeking.Seek(target);
            Assert.Equal(target, seeking.FrameIndex);
            Assert.True(seeking.Read(buffer, out VideoFrameInfo info));
            Assert.Equal(target, info.Index);
            Assert.Equal(times[target], info.TimestampSeconds, 9);
            Assert.Equal(sequential[target], buffer);
        }
    }

    [Fact]
    public void Open_BadInputs_ThrowSameMessagesAsCvtColor()
    {
        string missing = _videos.PathFor("missing.mp4");
        string empty = _videos.PathFor("empty.mp4");
        File.WriteAllBytes(empty, []);
        string text = _videos.PathFor("notes.mp4");
        File.WriteAllText(text, string.Concat(Enumerable.Repeat("this is not a video\n", 50)));
        string noise = _videos.PathFor("noise.avi");
        var bytes = new byte[4096];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(noise, bytes);
        foreach (string path in new[] { missing, empty, text, noise, _videos.Directory, "http://127.0.0.1:9/clip.mp4" })
        {
            var expected = Assert.Throws<VideoException>(() => VideoSource.Open(path, Exact));
            var actual = Assert.Throws<VideoException>(() => VideoSource.Open(path, Luma));
            _output.WriteLine(actual.Message);
            Assert.Equal(expected.Message, actual.Message);
            Assert.Null(actual.FrameIndex);
        }
    }

    /// <summary>Per-pixel absolute differences between two equally long lists of gray frames.</summary>
    private readonly record struct GrayDifference(int Max, double Mean, double WithinTwo)
    {
        public static GrayDifference Of(List<byte[]> actual, List<byte[]> expected)
        {
            Assert.Equal(expected.Count, actual.Count);
            int max = 0;
            long sum = 0, withinTwo = 0, count = 0;
            for (int f = 0; f < actual.Count; f++)
            {
                for (int i = 0; i < actual[f].Length; i++)
                {
                    int d = Math.Abs(actual[f][i] - expected[f][i]);
                    max = Math.Max(max, d);
                    sum += d;
                    withinTwo += d <= 2 ? 1 : 0;
                    count++;
                }
            }
            return new GrayDifference(max, (double)sum / count, (double)withinTwo / count);
        }

        public override string ToString() => $"worst {Max}, mean {Mean:0.000}, within 2 levels {WithinTwo:P2}";
    }
}
