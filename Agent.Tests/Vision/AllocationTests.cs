using AgentRnn.Vision;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Vision;

public sealed class AllocationTests : IDisposable
{
    private readonly TestVideos _videos = new();
    private readonly ITestOutputHelper _output;

    public AllocationTests(ITestOutputHelper output) => _output = output;

    public void Dispose() => _videos.Dispose();

    [Theory]
    [InlineData(PixelFormat.Bgr, true, 1, GrayConversion.CvtColor, VideoDecoder.SystemFfmpeg)]
    [InlineData(PixelFormat.Gray, true, 4, GrayConversion.Luma, VideoDecoder.SystemFfmpeg)]
    [InlineData(PixelFormat.Gray, true, 1, GrayConversion.CvtColor, VideoDecoder.SystemFfmpeg)]
    [InlineData(PixelFormat.Rgb, false, 2, GrayConversion.CvtColor, VideoDecoder.SystemFfmpeg)]
    [InlineData(PixelFormat.Bgr, true, 1, GrayConversion.CvtColor, VideoDecoder.OpenCvSharp)]
    [InlineData(PixelFormat.Gray, true, 4, GrayConversion.Luma, VideoDecoder.OpenCvSharp)]
    public void ReadPushCopy_SteadyState_AllocatesNothingPerFrame(PixelFormat format, bool grayscale, int skip, GrayConversion gray, VideoDecoder decoder)
    {
        string path = _videos.Write("alloc.mp4", "mp4v", 96, 72, 25, 60);
        using VideoSource source = VideoSource.Open(path, new VideoSourceOptions { Format = format, Gray = gray, Decoder = decoder });
        Assert.Equal(decoder, source.Decoder);
        var options = new PreprocessOptions { Grayscale = grayscale, FrameSkip = skip, Stack = 4 };
        using var preprocessor = new FramePreprocessor(source.Width, source.Height, format, options);
        var frame = new byte[source.FrameBytes];
        var observation = new float[preprocessor.ObservationSize];

        // Warm-up: first calls JIT-compile and let the native side size its Mats.
        for (int i = 0; i < 10; i++)
        {
            Step(source, preprocessor, frame, observation);
        }
        const int Window = 16;
        int frames = 0;
        long[] windows = SteadyAllocation.Windows(() =>
        {
            if (Step(source, preprocessor, frame, observation))
            {
                frames++;
            }
        }, calls: Window);
        while (Step(source, preprocessor, frame, observation))
        {
            frames++;
        }
        _output.WriteLine($"{format} ({source.Gray}), gray={grayscale}, skip={skip}: {string.Join(" / ", windows)} bytes in windows of {Window} frames");
        Assert.Equal(50, frames);
        Assert.Equal(0, windows.Min());
    }

    // Alternates the copying Read and the lending Read, so both are held to zero allocations.
    private static bool Step(VideoSource source, FramePreprocessor preprocessor, byte[] frame, float[] observation)
    {
        bool ready;
        if (source.FrameIndex % 2 == 0)
        {
            if (!source.Read(frame, out _))
            {
                return false;
            }
            ready = preprocessor.Push(frame);
        }
        else
        {
            if (!source.Read(out ReadOnlySpan<byte> lent, out int stride, out _))
            {
                return false;
            }
            ready = preprocessor.Push(lent, stride);
        }
        if (ready)
        {
            preprocessor.CopyObservation(observation);
        }
        return true;
    }

    [Fact]
    public void Annotate_SteadyState_AllocatesNothingPerFrame()
    {
        const int Width = 120, Height = 90;
        var frame = new byte[Width * Height * 3];
        string[] labels = ["jump", "run left", "idle"];
        for (int i = 0; i < 5; i++)
        {
            FrameAnnotator.Draw(frame, Width, Height, Width * 3, labels[i % 3], i / 5f);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            FrameAnnotator.Draw(frame, Width, Height, Width * 3, labels[i % 3], i / 100f);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void InfoStripAndFrameRing_SteadyState_AllocateNothingPerFrame()
    {
        const int Width = 160, Height = 210;
        int rows = InfoStrip.Rows(Width, Height);
        using var ring = new FrameRing(Width, Height, rows, capacity: 2);
        byte[] gray = new byte[Width * Height];
        string[] labels = ["NOOP", "FIRE", "LEFT"];
        float[] scores = [0.6f, 0.3f, 0.1f];
        void Frame(int i)
        {
            ring.Put(gray, Width, PixelFormat.Gray);
            InfoStrip.Draw(ring.Peek(), Width, Height, rows, 1000 + i, i / 30.0, labels, scores);
            ring.Advance();
        }
        for (int i = 0; i < 5; i++)
        {
            Frame(i);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Frame(i);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void VideoWriterWrite_SteadyState_AllocatesNothingPerFrame()
    {
        using VideoWriter writer = VideoWriter.Open(_videos.PathFor("w.avi"), "MJPG", 10, 64, 48);
        byte[] bgr = TestVideos.Pattern(64, 48, 0);
        byte[] rgba = TestVideos.Pattern(64, 48, 1, PixelFormat.Rgba);
        for (int i = 0; i < 3; i++)
        {
            writer.Write(bgr);
            writer.Write(rgba, PixelFormat.Rgba, 64 * 4);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
        {
            writer.Write(bgr);
            writer.Write(rgba, PixelFormat.Rgba, 64 * 4);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
