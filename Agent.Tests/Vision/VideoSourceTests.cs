using AgentRnn.Vision;
using AgentRnn.Vision.OpenCv;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Vision;

/// <summary>The system-FFmpeg decoder (the default where it loads).</summary>
public sealed class VideoSourceSystemFfmpegTests(ITestOutputHelper output) : VideoSourceTests(output, VideoDecoder.SystemFfmpeg)
{
    [Fact]
    public void SystemFfmpeg_LoadsDebian12Ffmpeg51()
    {
        // .ci/run and the test dependencies install Debian's ffmpeg, which brings libavformat59 and its siblings.
        (bool available, string? reason) = VideoSource.SystemFfmpeg;
        Assert.True(available, reason);
        Assert.Null(reason);
    }
}

/// <summary>The OpenCvSharp fallback (other platforms, or no system FFmpeg), forced.</summary>
public sealed class VideoSourceOpenCvSharpTests(ITestOutputHelper output) : VideoSourceTests(output, VideoDecoder.OpenCvSharp);

/// <summary>Every test runs once per decoder (the two subclasses above).</summary>
public abstract class VideoSourceTests : IDisposable
{
    private readonly TestVideos _videos = new();
    private readonly ITestOutputHelper _output;
    private readonly VideoDecoder _decoder;

    protected VideoSourceTests(ITestOutputHelper output, VideoDecoder decoder)
    {
        _output = output;
        _decoder = decoder;
    }

    public void Dispose()
    {
        _videos.Dispose();
        GC.SuppressFinalize(this);
    }

    private VideoSource Open(string path, VideoSourceOptions? options = null)
    {
        VideoSource source = VideoSource.Open(path, (options ?? new VideoSourceOptions()) with { Decoder = _decoder });
        Assert.Equal(_decoder, source.Decoder);
        return source;
    }

    [Theory]
    // Codec codes: OpenCV 4.13 (OpenCvSharp) and OpenCV 4.6 (Debian's cv2, which the system-FFmpeg path follows) report them differently.
    [InlineData("mp4v", ".mp4", 160, 96, 25.0, 37, "FMP4", "mp4v")]
    [InlineData("MJPG", ".avi", 64, 48, 30.0, 45, "MJPG", "MJPG")]
    [InlineData("XVID", ".avi", 96, 64, 15.0, 23, "FMP4", "XVID")]
    [InlineData("FFV1", ".mkv", 80, 60, 24.0, 31, "ffv1", "FFV1")]
    [InlineData("HFYU", ".avi", 90, 50, 20.0, 21, "HFYU", "HFYU")]
    [InlineData("h264", ".mp4", 128, 72, 29.97, 40, "h264", "avc1")]
    [InlineData("h264", ".mkv", 112, 80, 50.0, 33, "h264", "h264")]
    [InlineData("mp4v", ".mkv", 48, 32, 60.0, 52, "FMP4", "mpeg")]
    public void Read_GeneratedVideo_ExactFramesSizeCodecAndTimestamps(
        string fourcc, string extension, int width, int height, double fps, int frames, string codec413, string codec46)
    {
        string codec = _decoder == VideoDecoder.OpenCvSharp ? codec413 : codec46;
        string path = fourcc == "h264"
            ? _videos.WriteH264("v" + extension, width, height, fps, frames)
            : _videos.Write("v" + extension, fourcc, width, height, fps, frames);
        using VideoSource source = Open(path);
        Assert.Equal(width, source.Width);
        Assert.Equal(height, source.Height);
        Assert.Equal(fps, source.Fps, 2);
        Assert.Equal(frames, source.DeclaredFrameCount);
        Assert.Equal(codec, source.Codec);
        var frame = new byte[source.FrameBytes];
        int count = 0;
        double worst = 0;
        // Tolerance: container timestamps are rounded to the container's time base (1 ms for Matroska).
        const double Tolerance = 1.5e-3;
        while (source.Read(frame, out VideoFrameInfo info))
        {
            Assert.Equal(count, info.Index);
            worst = Math.Max(worst, Math.Abs(info.TimestampSeconds - count / fps));
            count++;
        }
        _output.WriteLine($"{fourcc}{extension}: {count} frames, worst timestamp error {worst:E2} s (tolerance {Tolerance:E1})");
        Assert.Equal(frames, count);
        Assert.True(worst <= Tolerance, $"worst timestamp error {worst} s");
        Assert.False(source.Read(frame, out _));
    }

    [Fact]
    public void Open_OddSizeMjpegWriter_KeepsOddSize()
    {
        string path = _videos.Write("odd.avi", "MJPG", 161, 97, 12.5, 17, VideoWriterBackend.OpenCvMjpeg);
        using VideoSource source = Open(path);
        Assert.Equal((161, 97), (source.Width, source.Height));
        var frame = new byte[source.FrameBytes];
        int count = 0;
        while (source.Read(frame, out _))
        {
            count++;
        }
        Assert.Equal(17, count);
    }

    [Fact]
    public void Open_OddSizeFfmpegWriter_DropsLastColumnAndRow()
    {
        string path = _videos.Write("odd.mp4", "mp4v", 161, 97, 25, 5);
        using VideoSource source = Open(path);
        Assert.Equal((160, 96), (source.Width, source.Height));
    }

    [Fact]
    public void Read_VariableFrameRate_TimestampsFromStream()
    {
        // Frames 0..5 are 40 ms apart, then 100 ms apart: pts in ms = 40·n for n < 6, else 240 + 100·(n − 6).
        double[] expected = Enumerable.Range(0, 12).Select(n => (n < 6 ? 40.0 * n : 240.0 + 100.0 * (n - 6)) / 1000.0).ToArray();
        foreach ((string name, string codec) in new[] { ("vfr.mkv", "ffv1"), ("vfr.mp4", "mpeg4") })
        {
            string path = _videos.PathFor(name);
            TestVideos.Ffmpeg(
                "-v", "error", "-y", "-f", "lavfi",
                "-i", "testsrc=size=96x64:rate=25,settb=1/1000,setpts='if(lt(N\\,6)\\,N*40\\,240+(N-6)*100)'",
                "-frames:v", "12", "-fps_mode", "passthrough", "-c:v", codec, path);
            using VideoSource source = Open(path);
            var frame = new byte[source.FrameBytes];
            var times = new List<double>();
            while (source.Read(frame, out VideoFrameInfo info))
            {
                times.Add(info.TimestampSeconds);
            }
            double worst = times.Zip(expected, (a, b) => Math.Abs(a - b)).Max();
            _output.WriteLine($"{name}: {string.Join(", ", times.Select(t => t.ToString("0.###")))}; worst error {worst:E2} s (tolerance 1e-3)");
            Assert.Equal(expected.Length, times.Count);
            Assert.True(worst <= 1e-3, $"{name}: worst timestamp error {worst} s");
        }
    }

    [Theory]
    [InlineData(GrayConversion.CvtColor)]
    [InlineData(GrayConversion.Luma)]
    public void Read_VariableFrameRateH264WithBFrames_EveryFrameKeepsItsStreamTimestamp(GrayConversion gray)
    {
        // 45 frames 33 ms apart, then 71 ms apart from frame 20; B-frames (3) and a 12-frame GOP, so the decoder holds
        // frames back and hands the last ones out while draining at the end of the stream. Tolerance 1e-9 s: the
        // container's time base (1/16000) holds every timestamp exactly.
        string path = _videos.PathFor("vfr-bframes.mp4");
        TestVideos.Ffmpeg("-v", "error", "-y", "-f", "lavfi",
            "-i", "testsrc2=size=176x144:rate=30,settb=1/1000,setpts='if(lt(N\\,20)\\,N*33\\,660+(N-20)*71)'",
            "-frames:v", "45", "-fps_mode", "passthrough", "-c:v", "libx264", "-bf", "3", "-g", "12", "-pix_fmt", "yuv420p", path);
        double[] expected = Enumerable.Range(0, 45).Select(n => (n < 20 ? 33.0 * n : 660.0 + 71.0 * (n - 20)) / 1000.0).ToArray();
        using VideoSource source = Open(path, new VideoSourceOptions { Format = PixelFormat.Gray, Gray = gray });
        var times = new List<double>();
        while (source.Read(out _, out _, out VideoFrameInfo info))
        {
            times.Add(info.TimestampSeconds);
        }
        double worst = times.Zip(expected, (a, b) => Math.Abs(a - b)).Max();
        _output.WriteLine($"{gray}: {times.Count} frames, last {string.Join(", ", times.TakeLast(4).Select(t => t.ToString("0.###")))}; worst error {worst:E2} s (tolerance 1e-9)");
        Assert.Equal(45, times.Count);
        Assert.True(worst <= 1e-9, $"worst timestamp error {worst} s");
    }

    [Fact]
    public void Read_DefaultGray_EqualsBgrThroughCvtColor()
    {
        string path = _videos.Write("gray.avi", "MJPG", 101, 67, 20, 6, VideoWriterBackend.OpenCvMjpeg);
        using VideoSource bgr = Open(path);
        using VideoSource gray = Open(path, new VideoSourceOptions { Format = PixelFormat.Gray });
        Assert.Equal(GrayConversion.CvtColor, gray.Gray);
        Assert.Equal(bgr.Width, gray.RowBytes);
        var color = new byte[bgr.FrameBytes];
        var expected = new byte[gray.FrameBytes];
        var actual = new byte[gray.FrameBytes];
        int frames = 0;
        while (bgr.Read(color, out _))
        {
            Assert.True(gray.Read(actual, out _));
            Cv.CvtColor(color, PixelFormat.Bgr, expected, PixelFormat.Gray, bgr.Width, bgr.Height);
            Assert.Equal(expected, actual);
            frames++;
        }
        Assert.Equal(6, frames);
    }

    [Fact]
    public void Read_PaddedStride_WritesRowsAtStrideAndLeavesPadding()
    {
        string path = _videos.Write("stride.avi", "MJPG", 33, 21, 10, 2, VideoWriterBackend.OpenCvMjpeg);
        using VideoSource packed = Open(path);
        using VideoSource padded = Open(path);
        int stride = packed.RowBytes + 13;
        var expected = new byte[packed.FrameBytes];
        var buffer = new byte[stride * packed.Height];
        Array.Fill(buffer, (byte)0xAB);
        Assert.True(packed.Read(expected, out _));
        Assert.True(padded.Read(buffer, stride, out _));
        for (int y = 0; y < packed.Height; y++)
        {
            Assert.Equal(expected.AsSpan(y * packed.RowBytes, packed.RowBytes).ToArray(), buffer.AsSpan(y * stride, packed.RowBytes).ToArray());
            Assert.All(buffer.AsSpan(y * stride + packed.RowBytes, 13).ToArray(), b => Assert.Equal(0xAB, b));
        }
    }

    [Theory]
    [InlineData("MJPG", ".avi")]
    [InlineData("mp4v", ".mp4")]
    [InlineData("h264", ".mp4")]
    public void Seek_ForwardAndBackward_ReturnsSameFrameAsSequentialRead(string fourcc, string extension)
    {
        string path = fourcc == "h264" ? _videos.WriteH264("seek" + extension, 64, 48, 25, 40) : _videos.Write("seek" + extension, fourcc, 64, 48, 25, 40);
        var sequential = new List<byte[]>();
        using (VideoSource source = Open(path))
        {
            var frame = new byte[source.FrameBytes];
            while (source.Read(frame, out _))
            {
                sequential.Add((byte[])frame.Clone());
            }
        }
        using VideoSource seeking = Open(path);
        var buffer = new byte[seeking.FrameBytes];
        foreach (int target in new[] { 17, 3, 39, 0, 25, 24 })
        {
            seeking.Seek(target);
            Assert.Equal(target, seeking.FrameIndex);
            Assert.True(seeking.Read(buffer, out VideoFrameInfo info));
            Assert.Equal(target, info.Index);
            Assert.Equal(target / 25.0, info.TimestampSeconds, 3);
            Assert.Equal(sequential[target], buffer);
        }
    }

    [Fact]
    public void Open_MissingFile_ThrowsNamingIt()
    {
        string path = _videos.PathFor("missing.mp4");
        var e = Assert.Throws<VideoException>(() => Open(path));
        Assert.Equal($"{path}: no such file", e.Message);
    }

    [Fact]
    public void Open_EmptyFile_ThrowsNamingIt()
    {
        string path = _videos.PathFor("empty.mp4");
        File.WriteAllBytes(path, []);
        var e = Assert.Throws<VideoException>(() => Open(path));
        Assert.Equal($"{path}: the file is empty", e.Message);
    }

    [Theory]
    [InlineData("notes.mp4")]
    [InlineData("notes.txt")]
    [InlineData("noise.avi")]
    public void Open_NotAVideo_ThrowsNamingIt(string name)
    {
        string path = _videos.PathFor(name);
        if (name.StartsWith("noise", StringComparison.Ordinal))
        {
            var bytes = new byte[4096];
            new Random(7).NextBytes(bytes);
            File.WriteAllBytes(path, bytes);
        }
        else
        {
            File.WriteAllText(path, string.Concat(Enumerable.Repeat("this is not a video\n", 50)));
        }
        var e = Assert.Throws<VideoException>(() => Open(path));
        Assert.StartsWith($"{path}: not a video", e.Message);
        Assert.Null(e.FrameIndex);
    }

    [Fact]
    public void Open_Directory_ThrowsNamingIt()
    {
        var e = Assert.Throws<VideoException>(() => Open(_videos.Directory));
        Assert.Equal($"{_videos.Directory}: is a directory, not a video file", e.Message);
    }

    [Theory]
    [InlineData("sound.wav", "pcm_s16le")]
    [InlineData("sound.m4a", "aac")]
    [InlineData("sound.mp3", "libmp3lame")]
    [InlineData("sound.mka", "libopus")]
    [InlineData("sound.ogg", "libvorbis")]
    public void Open_AudioOnly_SaysItHasNoVideoStream(string name, string codec)
    {
        string path = _videos.PathFor(name);
        TestVideos.Ffmpeg("-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", codec, path);
        var e = Assert.Throws<VideoException>(() => Open(path));
        _output.WriteLine(e.Message);
        Assert.Equal($"{path}: has no video stream (it holds sound only)", e.Message);
    }

    [Fact]
    public void Open_UnreachableStreamUrl_ThrowsNamingIt()
    {
        const string Url = "http://127.0.0.1:9/clip.mp4";
        var e = Assert.Throws<VideoException>(() => Open(Url));
        Assert.Equal($"{Url}: cannot open the stream (unreachable, or not a video FFmpeg can read)", e.Message);
    }

    [Theory]
    [InlineData("MJPG", ".avi", false)]
    [InlineData("XVID", ".avi", false)]
    [InlineData("FFV1", ".mkv", false)]
    [InlineData("h264", ".mkv", false)]
    [InlineData("MJPG", ".avi", true)]
    [InlineData("XVID", ".avi", true)]
    [InlineData("h264", ".mkv", true)]
    public void Read_TruncatedFile_DeliversFramesBeforeBreakThenThrowsWithIndex(string fourcc, string extension, bool luma)
    {
        string whole = fourcc == "h264" ? _videos.WriteH264("whole" + extension, 64, 48, 30, 60) : _videos.Write("whole" + extension, fourcc, 64, 48, 30, 60);
        string cut = _videos.Truncate(whole, 0.5);
        using VideoSource source = Open(cut, DecoderPath(luma));
        Assert.Equal(luma ? GrayConversion.Luma : null, source.Gray);
        var frame = new byte[source.FrameBytes];
        int delivered = 0;
        var e = Assert.Throws<VideoException>(() =>
        {
            while (source.Read(frame, out _))
            {
                delivered++;
            }
        });
        _output.WriteLine(e.Message);
        Assert.InRange(delivered, 1, 59);
        Assert.Equal(delivered, e.FrameIndex);
        Assert.StartsWith($"{cut}: the stream breaks at frame {delivered}", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Read_BufferTooSmall_ThrowsFrameFormatException(bool luma)
    {
        string path = _videos.Write("small.avi", "MJPG", 32, 24, 10, 2);
        using VideoSource source = Open(path, DecoderPath(luma));
        var frame = new byte[source.FrameBytes - 1];
        var e = Assert.Throws<FrameFormatException>(() => source.Read(frame, out _));
        Assert.Contains(path, e.Message);
        Assert.Contains($"buffer of {frame.Length} bytes is smaller than the {frame.Length + 1} the frame needs", e.Message);
        Assert.Equal(0, source.FrameIndex);
    }

    [Fact]
    public void Read_AfterDispose_ThrowsObjectDisposed()
    {
        string path = _videos.Write("disposed.avi", "MJPG", 32, 24, 10, 2);
        VideoSource source = Open(path);
        source.Dispose();
        Assert.Throws<ObjectDisposedException>(() => source.Read(new byte[32 * 24 * 3], out _));
    }

    /// <summary>OpenCV's BGR frames, or gray frames from the luma plane.</summary>
    private static VideoSourceOptions DecoderPath(bool luma) => luma ? new() { Format = PixelFormat.Gray, Gray = GrayConversion.Luma } : new();
}
