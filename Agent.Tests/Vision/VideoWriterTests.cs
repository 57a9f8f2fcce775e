using AgentRnn.Vision;

namespace AgentRnn.Tests.Vision;

public sealed class VideoWriterTests : IDisposable
{
    private readonly TestVideos _videos = new();

    public void Dispose() => _videos.Dispose();

    [Fact]
    public void Write_GrayWriter_ProducesReadableVideoWithAllFrames()
    {
        string path = _videos.PathFor("gray.mkv");
        using (VideoWriter writer = VideoWriter.Open(path, "FFV1", 20, 48, 32, isColor: false))
        {
            for (int i = 0; i < 9; i++)
            {
                writer.Write(TestVideos.Pattern(48, 32, i, PixelFormat.Gray));
            }
            Assert.Equal(9, writer.FrameCount);
        }
        using VideoSource source = VideoSource.Open(path);
        int frames = 0;
        var buffer = new byte[source.FrameBytes];
        while (source.Read(buffer, out _))
        {
            frames++;
        }
        Assert.Equal(9, frames);
    }

    [Fact]
    public void Write_LosslessFfv1_RoundTripsGrayPixels()
    {
        string path = _videos.PathFor("lossless.mkv");
        byte[] written = TestVideos.Pattern(40, 24, 3, PixelFormat.Gray);
        using (VideoWriter writer = VideoWriter.Open(path, "FFV1", 10, 40, 24, isColor: false))
        {
            writer.Write(written);
        }
        using VideoSource source = VideoSource.Open(path, new VideoSourceOptions { Format = PixelFormat.Gray });
        var read = new byte[source.FrameBytes];
        Assert.True(source.Read(read, out _));
        Assert.Equal(written, read);
    }

    [Fact]
    public void Open_CodecContainerFfmpegCannotWrite_ThrowsVideoException()
    {
        string path = _videos.PathFor("bad.mp4");
        var e = Assert.Throws<VideoException>(() => VideoWriter.Open(path, "ZZZZ", 10, 32, 32));
        Assert.StartsWith($"{path}: cannot write codec ZZZZ", e.Message);
    }

    [Theory]
    [InlineData("mp4")]
    [InlineData("")]
    public void Open_FourCcNotFourLetters_ThrowsVideoException(string fourcc)
    {
        Assert.Throws<VideoException>(() => VideoWriter.Open(_videos.PathFor("x.avi"), fourcc, 10, 32, 32));
    }

    [Fact]
    public void Write_WrongSize_ThrowsFrameFormatException()
    {
        string path = _videos.PathFor("size.avi");
        using VideoWriter writer = VideoWriter.Open(path, "MJPG", 10, 32, 24);
        var e = Assert.Throws<FrameFormatException>(() => writer.Write(new byte[32 * 23 * 3]));
        Assert.Contains(path, e.Message);
        Assert.Equal(0, writer.FrameCount);
    }

    [Fact]
    public void Write_AfterClose_ThrowsObjectDisposed()
    {
        VideoWriter writer = VideoWriter.Open(_videos.PathFor("closed.avi"), "MJPG", 10, 32, 24);
        writer.Close();
        writer.Close();
        Assert.Throws<ObjectDisposedException>(() => writer.Write(new byte[32 * 24 * 3]));
    }
}
