using AgentRnn.Host.Pipeline;
using AgentRnn.Tests.Host.Label;
using AgentRnn.Vision;

namespace AgentRnn.Tests.Host.Pipeline;

public sealed class VideoFrameSourceTests : IDisposable
{
    private readonly string _directory = TestVideos.Directory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(true, GrayConversion.CvtColor, PixelFormat.Gray)]
    [InlineData(true, GrayConversion.Luma, PixelFormat.Gray)]
    [InlineData(false, GrayConversion.CvtColor, PixelFormat.Bgr)]
    [InlineData(false, GrayConversion.Luma, PixelFormat.Bgr)]
    public void Open_ModelColourAndGrayConversion_PickTheDecoding(bool grayscale, GrayConversion gray, PixelFormat format)
    {
        string video = TestVideos.Write(_directory, "clip.avi", 3);
        var preprocess = new PreprocessOptions { Grayscale = grayscale, Stack = 2 };

        using VideoFrameSource source = VideoFrameSource.Open(video, preprocess, gray: gray);

        Assert.Equal(format, source.Video.Format);
        Assert.Equal(grayscale ? gray : null, source.Video.Gray);
        Assert.Equal((grayscale ? 1 : 3) * 2 * 84 * 84, source.ObservationSize);
        var observation = new byte[source.ObservationSize];
        int frames = 0;
        while (source.Read(observation, out FrameInfo frame))
        {
            Assert.Equal(frames++, frame.Index);
        }
        Assert.Equal(3, frames);
    }
}
