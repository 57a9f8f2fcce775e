using AgentRnn.Core;
using AgentRnn.Tests.Vision.Encoders;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Vision.Encoders;

public class NatureCnnTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("nature_cnn_4x84x84")]
    [InlineData("nature_cnn_1x44x52")]
    public void Forward_PyTorchFixture_MatchesWithin1e4(string name)
    {
        EncoderFixture f = EncoderFixture.Load(name, output);
        var encoder = new NatureCnn(f.Channels, f.Height, f.Width, f.Weights);
        Assert.Equal((f.Channels, f.Height, f.Width), (encoder.InputChannels, encoder.InputHeight, encoder.InputWidth));
        f.AssertMatches(encoder, output);
    }

    [Fact]
    public void Forward_BatchShrinksAfterGrowing_EachRowMatchesSingleFrameRun()
    {
        EncoderFixture f = EncoderFixture.Load("nature_cnn_1x44x52", output);
        var encoder = new NatureCnn(f.Channels, f.Height, f.Width, f.Weights);
        int size = encoder.InputSize;
        var frames = new byte[3 * size];
        var rng = new Random(5);
        rng.NextBytes(frames);
        var batched = new float[3 * encoder.OutputSize];
        encoder.Forward(frames, batched, 3);
        var single = new float[encoder.OutputSize];
        for (int i = 0; i < 3; i++)
        {
            encoder.Forward(frames.AsSpan(i * size, size), single, 1);
            AgentRnn.Tests.Core.Kernels.Compare.Within(single, batched.AsSpan(i * encoder.OutputSize), 1e-5f, output, $"row {i}");
        }
    }

    [Fact]
    public void Constructor_WrongConvShape_ThrowsNamingTensorAndShapes()
    {
        EncoderFixture f = EncoderFixture.Load("nature_cnn_1x44x52", output);
        Func<string, Tensor> weights = name => name == "conv2.weight" ? new Tensor(64, 32, 3, 3) : f.Weights(name);
        var e = Assert.Throws<ArgumentException>(() => new NatureCnn(1, 44, 52, weights));
        Assert.Contains("conv2.weight", e.Message);
        Assert.Contains("(64, 32, 3, 3)", e.Message);
        Assert.Contains("(64, 32, 4, 4)", e.Message);
    }

    [Fact]
    public void Constructor_LinearForOtherInputSize_ThrowsNamingLinearWeight()
    {
        EncoderFixture f = EncoderFixture.Load("nature_cnn_1x44x52", output);
        var e = Assert.Throws<ArgumentException>(() => new NatureCnn(1, 84, 84, f.Weights));
        Assert.Contains("linear.weight", e.Message);
        Assert.Contains("(*, 3136)", e.Message);
    }

    [Fact]
    public void Constructor_MissingTensor_ThrowsNamingIt()
    {
        EncoderFixture f = EncoderFixture.Load("nature_cnn_1x44x52", output);
        var e = Assert.Throws<ArgumentException>(() => new NatureCnn(1, 44, 52, name => name == "conv3.bias" ? null! : f.Weights(name)));
        Assert.Contains("conv3.bias", e.Message);
    }

    [Fact]
    public void Constructor_InputTooSmallForConvolutions_Throws()
    {
        EncoderFixture f = EncoderFixture.Load("nature_cnn_1x44x52", output);
        var e = Assert.Throws<ArgumentException>(() => new NatureCnn(1, 20, 52, f.Weights));
        Assert.Contains("1x20x52", e.Message);
    }

    [Fact]
    public void Forward_FeatureSpanTooSmall_Throws()
    {
        EncoderFixture f = EncoderFixture.Load("nature_cnn_1x44x52", output);
        var encoder = new NatureCnn(1, 44, 52, f.Weights);
        Assert.Throws<ArgumentException>(() => encoder.Forward(new byte[2 * encoder.InputSize], new float[2 * encoder.OutputSize - 1], 2));
    }
}
