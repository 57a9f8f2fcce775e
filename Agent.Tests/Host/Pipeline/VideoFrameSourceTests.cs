using AgentRnn.Host.Pipeline;
using AgentRnn.Tests.Host.Label;
using AgentRnn.Vision;

namespace AgentRnn.Tests.Host.Pipeline;

public sealed class VideoFrameSourceTests : IDisposable
{
    private readonly string _directory = TestVideos.Directory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(true, false, PixelFormat.Gray, true)]
    [InlineData(true, true, PixelFormat.Gray, false)]
    [InlineData(false, false, PixelFormat.Bgr, false)]
    [InlineData(false, true, PixelFormat.Bgr, false)]
    public void Open_ModelColourAndExactGray_PickTheDecoder(bool grayscale, bool exactGray, PixelFormat format, bool luma)
    {
        string video = TestVideos.Write(_directory, "clip.avi", 3);
        var preprocess = new PreprocessOptions { Grayscale = grayscale, Stack = 2 };

        using VideoFrameSource source = VideoFrameSource.Open(video, preprocess, exactGray: exactGray);

        Assert.Equal(format, source.Video.Format);
        Assert.Equal(luma, source.Video.UsesLumaDecoder);
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
