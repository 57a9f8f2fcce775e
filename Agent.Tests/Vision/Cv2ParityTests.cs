using System.Diagnostics;
using AgentRnn.Vision;
using OpenCvSharp;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Vision;

/// <summary>
/// The default (PyTorch-exact) path byte for byte against Python's cv2 (Debian's python3-opencv) on videos generated
/// here: lossless RGB codecs and YUV video of several codecs, containers and odd sizes (the default decoder is the
/// system FFmpeg Debian's cv2 also decodes with, so YUV-to-BGR rounds alike). The OpenCvSharp fallback converts YUV with
/// its own FFmpeg 7.1 build: its reference is OpenCV 4.13 called directly (tolerance 0), and it stays within 3 gray
/// levels of cv2.
/// </summary>
public sealed class Cv2ParityTests : IDisposable
{
    private readonly TestVideos _videos = new();
    private readonly ITestOutputHelper _output;

    public Cv2ParityTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _videos.Dispose();

    [Theory]
    [InlineData("ffv1.mkv", "ffv1", "bgr0", 161, 97)]
    [InlineData("huffyuv.avi", "huffyuv", "bgr24", 85, 63)]
    [InlineData("png.mov", "png", "rgb24", 333, 211)]
    [InlineData("png.mkv", "png", "rgba", 97, 201)]
    [InlineData("ffv1-big.mkv", "ffv1", "bgr0", 641, 359)]
    public void Read_LosslessRgbVideo_EqualsPythonCv2ByteForByte(string name, string codec, string pixelFormat, int width, int height)
    {
        const int Frames = 7;
        string path = LosslessVideo(name, codec, pixelFormat, width, height, Frames);
        string reference = _videos.PathFor(name + ".cv2");
        string count = Python("video", path, reference, "84", "84");
        Assert.Equal(Frames.ToString(System.Globalization.CultureInfo.InvariantCulture), count.Trim());
        byte[] bgr = File.ReadAllBytes(reference + ".bgr");
        byte[] gray = File.ReadAllBytes(reference + ".gray");
        byte[] small = File.ReadAllBytes(reference + ".small");

        using VideoSource colour = VideoSource.Open(path);
        using VideoSource source = VideoSource.Open(path, new VideoSourceOptions { Format = PixelFormat.Gray });
        using var preprocessor = new FramePreprocessor(width, height, PixelFormat.Gray, new PreprocessOptions { Stack = 1 });
        var frameBgr = new byte[colour.FrameBytes];
        var frameGray = new byte[source.FrameBytes];
        int frames = 0;
        while (source.Read(frameGray, out _))
        {
            Assert.True(colour.Read(frameBgr, out _));
            Assert.True(bgr.AsSpan(frames * frameBgr.Length, frameBgr.Length).SequenceEqual(frameBgr), $"{name}: BGR frame {frames} differs from cv2's");
            Assert.True(gray.AsSpan(frames * frameGray.Length, frameGray.Length).SequenceEqual(frameGray), $"{name}: gray frame {frames} differs from cv2's");
            preprocessor.Push(frameGray);
            Assert.True(small.AsSpan(frames * 84 * 84, 84 * 84).SequenceEqual(preprocessor.Observation), $"{name}: 84x84 frame {frames} differs from cv2's");
            frames++;
        }
        _output.WriteLine($"{name} ({codec}, {pixelFormat}, {width}x{height}): {frames} frames equal to cv2 in BGR, gray and 84x84 (tolerance 0)");
        Assert.Equal(Frames, frames);
    }

    [Theory]
    [InlineData("h264.mp4", "libx264", "yuv420p", 321, 181)]
    [InlineData("h264-bframes.mkv", "libx264", "yuv420p", 640, 360)]
    [InlineData("h264-444.mov", "libx264", "yuv444p", 97, 55)]
    [InlineData("mjpeg.avi", "mjpeg", "yuvj420p", 175, 99)]
    [InlineData("mjpeg-422.avi", "mjpeg", "yuvj422p", 66, 130)]
    [InlineData("mpeg4.mp4", "mpeg4", "yuv420p", 256, 144)]
    [InlineData("mpeg2.mpg", "mpeg2video", "yuv420p", 176, 120)]
    [InlineData("vp9.webm", "libvpx-vp9", "yuv420p", 160, 96)]
    public void Read_YuvVideo_DefaultPathEqualsPythonCv2ByteForByte(string name, string codec, string pixelFormat, int width, int height)
    {
        string path = YuvVideo(name, codec, pixelFormat, width, height);
        string reference = _videos.PathFor(name + ".cv2");
        Assert.Equal("12", Python("video", path, reference, "84", "84").Trim());
        byte[] bgr = File.ReadAllBytes(reference + ".bgr");
        byte[] gray = File.ReadAllBytes(reference + ".gray");
        byte[] small = File.ReadAllBytes(reference + ".small");

        using VideoSource colour = VideoSource.Open(path);
        using VideoSource source = VideoSource.Open(path, new VideoSourceOptions { Format = PixelFormat.Gray });
        Assert.Equal(VideoDecoder.SystemFfmpeg, colour.Decoder);
        Assert.Equal(VideoDecoder.SystemFfmpeg, source.Decoder);
        using var preprocessor = new FramePreprocessor(source.Width, source.Height, PixelFormat.Gray, new PreprocessOptions { Stack = 1 });
        var frameBgr = new byte[colour.FrameBytes];
        var frameGray = new byte[source.FrameBytes];
        int frames = 0;
        while (source.Read(frameGray, out _))
        {
            Assert.True(colour.Read(frameBgr, out _));
            Assert.True(bgr.AsSpan(frames * frameBgr.Length, frameBgr.Length).SequenceEqual(frameBgr), $"{name}: BGR frame {frames} differs from cv2's");
            Assert.True(gray.AsSpan(frames * frameGray.Length, frameGray.Length).SequenceEqual(frameGray), $"{name}: gray frame {frames} differs from cv2's");
            preprocessor.Push(frameGray);
            Assert.True(small.AsSpan(frames * 84 * 84, 84 * 84).SequenceEqual(preprocessor.Observation), $"{name}: 84x84 frame {frames} differs from cv2's");
            frames++;
        }
        _output.WriteLine($"{name} ({codec}, {pixelFormat}, {width}x{height}): {frames} frames equal to Debian's cv2 in BGR, gray and 84x84 (tolerance 0)");
        Assert.Equal(12, frames);
    }

    [Theory]
    [InlineData("h264.mp4", "libx264", "yuv420p", 321, 181)]
    [InlineData("h264-bframes.mkv", "libx264", "yuv420p", 640, 360)]
    [InlineData("mjpeg.avi", "mjpeg", "yuvj420p", 175, 99)]
    [InlineData("mpeg4.mp4", "mpeg4", "yuv420p", 256, 144)]
    [InlineData("vp9.webm", "libvpx-vp9", "yuv420p", 160, 96)]
    public void Read_YuvVideo_OpenCvSharpFallbackEqualsOpenCv413AndStaysNearCv2(string name, string codec, string pixelFormat, int width, int height)
    {
        // The fallback's reference is OpenCV 4.13 called directly (tolerance 0). Against Debian's cv2 its YUV-to-BGR
        // conversion (another FFmpeg build's swscale) drifts: allowed up to 3 gray levels on any pixel.
        const int Drift = 3;
        string path = YuvVideo(name, codec, pixelFormat, width, height);
        string reference = _videos.PathFor(name + ".cv2");
        Assert.Equal("12", Python("video", path, reference, "84", "84").Trim());
        byte[] cv2Gray = File.ReadAllBytes(reference + ".gray");
        using VideoSource source = VideoSource.Open(path, new VideoSourceOptions { Format = PixelFormat.Gray, Decoder = VideoDecoder.OpenCvSharp });
        Assert.Equal(VideoDecoder.OpenCvSharp, source.Decoder);
        using var preprocessor = new FramePreprocessor(source.Width, source.Height, PixelFormat.Gray, new PreprocessOptions { Stack = 1 });
        using var capture = new VideoCapture(path, VideoCaptureAPIs.FFMPEG);
        using var bgr = new Mat();
        using var gray = new Mat();
        using var small = new Mat();
        int frames = 0;
        int worst = 0;
        while (source.Read(out ReadOnlySpan<byte> frame, out int stride, out _))
        {
            Assert.True(capture.Read(bgr));
            Cv2.CvtColor(bgr, gray, ColorConversionCodes.BGR2GRAY);
            Cv2.Resize(gray, small, new Size(84, 84), 0, 0, InterpolationFlags.Area);
            gray.GetArray(out byte[] expectedGray);
            small.GetArray(out byte[] expectedSmall);
            for (int y = 0; y < source.Height; y++)
            {
                ReadOnlySpan<byte> row = frame.Slice(y * stride, source.Width);
                Assert.True(expectedGray.AsSpan(y * source.Width, source.Width).SequenceEqual(row), $"{name}: gray frame {frames} row {y}");
                ReadOnlySpan<byte> cv2Row = cv2Gray.AsSpan((frames * source.Height + y) * source.Width, source.Width);
                for (int x = 0; x < source.Width; x++)
                {
                    worst = Math.Max(worst, Math.Abs(row[x] - cv2Row[x]));
                }
            }
            preprocessor.Push(frame, stride);
            Assert.Equal(expectedSmall, preprocessor.Observation.ToArray());
            frames++;
        }
        Assert.False(capture.Read(bgr));
        _output.WriteLine($"{name}: {frames} frames equal to OpenCV 4.13's cvtColor and INTER_AREA (tolerance 0); worst gray difference from Debian's cv2 {worst} (allowed {Drift})");
        Assert.Equal(12, frames);
        Assert.InRange(worst, 0, Drift);
    }

    private string YuvVideo(string name, string codec, string pixelFormat, int width, int height)
    {
        string path = _videos.PathFor(name);
        string[] bframes = codec is "libx264" or "mpeg4" or "mpeg2video" ? ["-bf", "2"] : [];
        TestVideos.Ffmpeg(["-v", "error", "-y", "-f", "lavfi", "-i", $"testsrc2=size={width}x{height}:rate=25", "-frames:v", "12",
            "-c:v", codec, "-pix_fmt", pixelFormat, .. bframes, path]);
        return path;
    }

    [Theory]
    [InlineData(PixelFormat.Gray)]
    [InlineData(PixelFormat.Rgb)]
    [InlineData(PixelFormat.Rgba)]
    [InlineData(PixelFormat.Bgr)]
    [InlineData(PixelFormat.Bgra)]
    public void Push_GameFrameEveryLayout_EqualsPythonCv2(PixelFormat format)
    {
        foreach ((int width, int height, int outWidth, int outHeight) in new[] { (160, 210, 84, 84), (211, 163, 84, 84), (97, 61, 64, 48), (168, 168, 84, 84) })
        {
            var frame = new byte[width * height * format.BytesPerPixel()];
            new Random(width * 31 + (int)format).NextBytes(frame);
            string raw = _videos.PathFor($"frame-{format}-{width}.raw");
            File.WriteAllBytes(raw, frame);
            string reference = raw + ".cv2";
            Python("frame", raw, format.ToString().ToLowerInvariant(), $"{width}", $"{height}", $"{outWidth}", $"{outHeight}", reference);
            using var gray = new FramePreprocessor(width, height, format, new PreprocessOptions { Width = outWidth, Height = outHeight, Stack = 1 });
            gray.Push(new GameFrame(frame, width, height, format));
            Assert.Equal(File.ReadAllBytes(reference + ".gray"), gray.Observation.ToArray());
            if (format != PixelFormat.Gray)
            {
                using var rgb = new FramePreprocessor(width, height, format, new PreprocessOptions { Grayscale = false, Width = outWidth, Height = outHeight, Stack = 1 });
                rgb.Push(new GameFrame(frame, width, height, format));
                Assert.Equal(File.ReadAllBytes(reference + ".rgb"), rgb.Observation.ToArray());
            }
        }
        _output.WriteLine($"{format}: gray{(format == PixelFormat.Gray ? "" : " and RGB")} observations equal to cv2's at four sizes (tolerance 0)");
    }

    // Random BGR frames with a moving smooth pattern underneath, encoded losslessly by the ffmpeg CLI.
    private string LosslessVideo(string name, string codec, string pixelFormat, int width, int height, int frames)
    {
        string raw = _videos.PathFor(name + ".raw");
        var random = new Random(width * height);
        using (FileStream file = File.Create(raw))
        {
            for (int i = 0; i < frames; i++)
            {
                byte[] frame = TestVideos.Pattern(width, height, i);
                var noise = new byte[frame.Length];
                random.NextBytes(noise);
                for (int p = 0; p < frame.Length; p++)
                {
                    frame[p] = (byte)((frame[p] + (noise[p] & 0x3F)) & 0xFF);
                }
                file.Write(frame);
            }
        }
        string path = _videos.PathFor(name);
        TestVideos.Ffmpeg("-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", $"{width}x{height}", "-r", "10", "-i", raw,
            "-c:v", codec, "-pix_fmt", pixelFormat, path);
        return path;
    }

    private static string Python(params string[] arguments)
    {
        string script = Path.Combine(AppContext.BaseDirectory, "Vision", "cv2_reference.py");
        var start = new ProcessStartInfo(PythonWithCv2.Path) { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(script);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{PythonWithCv2.Path} did not start");
        Task<string> errors = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"cv2_reference.py failed: {errors.Result}");
        return stdout;
    }
}
