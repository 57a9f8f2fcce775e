using AgentRnn.Host.Bench;
using AgentRnn.Host.Pipeline;
using AgentRnn.Vision;

namespace AgentRnn.Tests.Host.Bench;

/// <summary>The synthetic source's managed gray path gives the observations OpenCV's RGB path gives, bit for bit.</summary>
public sealed class SyntheticFrameSourceTests
{
    [Fact]
    public void Read_DefaultModelPreprocess_ManagedGrayEqualsOpenCvPath()
    {
        var preprocess = new PreprocessOptions();
        using var source = new SyntheticFrameSource(3, preprocess, 12);
        Assert.True(source.ManagedGray, "the default model's frames are made gray without OpenCV");
        var game = new SyntheticGame(3);
        using var opencv = new FramePreprocessor(game.Width, game.Height, PixelFormat.Rgb, preprocess);
        var rgb = new byte[game.FrameBytes];
        var observation = new byte[source.ObservationSize];

        for (int i = 0; i < 12; i++)
        {
            Assert.True(source.Read(observation, out FrameInfo frame));
            Assert.Equal(i, frame.Index);
            game.Render(rgb);
            Assert.True(opencv.Push(rgb));
            Assert.True(opencv.Observation.SequenceEqual(observation), $"observation {i} differs from the OpenCV path");
        }
        Assert.False(source.Read(observation, out _));
    }

    [Theory]
    [InlineData(true, 84, 84, 1, true, true)] // the default model
    [InlineData(true, 84, 84, 4, false, true)] // frame skip without max-pool
    [InlineData(false, 84, 84, 1, true, false)] // an RGB model
    [InlineData(true, 80, 105, 1, true, false)] // an integer factor: OpenCV's own area path
    [InlineData(true, 84, 84, 4, true, false)] // max-pool of raw frames comes before gray
    public void GraysInManagedCode_OnlyWhereTheBytesMatch(bool gray, int width, int height, int skip, bool maxPool, bool expected)
    {
        var options = new PreprocessOptions { Grayscale = gray, Width = width, Height = height, FrameSkip = skip, MaxPoolLastTwo = maxPool };
        Assert.Equal(expected, SyntheticFrameSource.GraysInManagedCode(160, 210, options));
    }
}
