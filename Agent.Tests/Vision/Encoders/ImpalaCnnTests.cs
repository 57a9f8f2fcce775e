using AgentRnn.Core;
using AgentRnn.Tests.Vision.Encoders;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Vision.Encoders;

public class ImpalaCnnTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("impala_cnn_3x64x64")]
    [InlineData("impala_cnn_2x13x11")]
    public void Forward_PyTorchFixture_MatchesWithin1e4(string name)
    {
        EncoderFixture f = EncoderFixture.Load(name, output);
        var encoder = new ImpalaCnn(f.Channels, f.Height, f.Width, f.Weights);
        Assert.Equal((f.Channels, f.Height, f.Width), (encoder.InputChannels, encoder.InputHeight, encoder.InputWidth));
        f.AssertMatches(encoder, output);
    }

    [Fact]
    public void Forward_BatchShrinksAfterGrowing_EachRowMatchesSingleFrameRun()
    {
        EncoderFixture f = EncoderFixture.Load("impala_cnn_2x13x11", output);
        var encoder = new ImpalaCnn(f.Channels, f.Height, f.Width, f.Weights);
        int size = encoder.InputSize;
        var frames = new byte[4 * size];
        new Random(6).NextBytes(frames);
        var batched = new float[4 * encoder.OutputSize];
        encoder.Forward(frames, batched, 4);
        var single = new float[encoder.OutputSize];
        for (int i = 0; i < 4; i++)
        {
            encoder.Forward(frames.AsSpan(i * size, size), single, 1);
            AgentRnn.Tests.Core.Kernels.Compare.Within(single, batched.AsSpan(i * encoder.OutputSize), 1e-5f, output, $"row {i}");
        }
    }

    [Fact]
    public void Constructor_ResidualConvWithOtherChannels_ThrowsNamingTensorAndShapes()
    {
        EncoderFixture f = EncoderFixture.Load("impala_cnn_2x13x11", output);
        Func<string, Tensor> weights = name => name == "1.res_block1.conv0.weight" ? new Tensor(32, 16, 3, 3) : f.Weights(name);
        var e = Assert.Throws<ArgumentException>(() => new ImpalaCnn(2, 13, 11, weights));
        Assert.Contains("1.res_block1.conv0.weight", e.Message);
        Assert.Contains("(32, 16, 3, 3)", e.Message);
        Assert.Contains("(32, 32, 3, 3)", e.Message);
    }

    [Fact]
    public void Constructor_FirstConvForOtherChannelCount_ThrowsNamingIt()
    {
        EncoderFixture f = EncoderFixture.Load("impala_cnn_2x13x11", output);
        var e = Assert.Throws<ArgumentException>(() => new ImpalaCnn(3, 13, 11, f.Weights));
        Assert.Contains("0.conv.weight", e.Message);
        Assert.Contains("(*, 3, 3, 3)", e.Message);
    }

    [Fact]
    public void Constructor_LinearForOtherInputSize_ThrowsNamingLinearWeight()
    {
        EncoderFixture f = EncoderFixture.Load("impala_cnn_2x13x11", output);
        var e = Assert.Throws<ArgumentException>(() => new ImpalaCnn(2, 64, 64, f.Weights));
        Assert.Contains("linear.weight", e.Message);
        Assert.Contains("(*, 2048)", e.Message);
    }

    [Fact]
    public void Forward_InputSpanTooSmall_Throws()
    {
        EncoderFixture f = EncoderFixture.Load("impala_cnn_2x13x11", output);
        var encoder = new ImpalaCnn(2, 13, 11, f.Weights);
        Assert.Throws<ArgumentException>(() => encoder.Forward(new float[encoder.InputSize - 1], new float[encoder.OutputSize], 1));
    }
}
