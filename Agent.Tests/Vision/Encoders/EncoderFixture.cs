using AgentRnn.Core;
using AgentRnn.Tests.Core.Kernels;
using AgentRnn.Tests.Vision.Encoders;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Vision.Encoders;

/// <summary>One encoder fixture: frames, PyTorch features, and the generated weights the fixture was made with.</summary>
internal sealed class EncoderFixture
{
    public const float Tolerance = 1e-4f;

    private EncoderFixture(string name, int batch, int channels, int height, int width, byte[] frames, Tensor features, Dictionary<string, int[]> shapes, Func<string, Tensor> weights)
    {
        Name = name;
        Batch = batch;
        Channels = channels;
        Height = height;
        Width = width;
        Frames = frames;
        Features = features;
        Shapes = shapes;
        Weights = weights;
    }

    public string Name { get; }
    public int Batch { get; }
    public int Channels { get; }
    public int Height { get; }
    public int Width { get; }
    public byte[] Frames { get; }
    public Tensor Features { get; }
    public Dictionary<string, int[]> Shapes { get; }
    public Func<string, Tensor> Weights { get; }

    /// <summary>Loads the fixture and checks that the C# weight generator reproduces the weights PyTorch used.</summary>
    public static EncoderFixture Load(string name, ITestOutputHelper output)
    {
        using KernelFixtures f = KernelFixtures.Open(name);
        int Meta(string key) => int.Parse(f.Metadata[key], System.Globalization.CultureInfo.InvariantCulture);
        var shapes = new Dictionary<string, int[]>();
        foreach (string w in f.Metadata["names"].Split(','))
        {
            shapes[w] = ShapeOf(f, w);
        }
        Func<string, Tensor> source = FixtureWeights.Source(shapes);
        foreach (string w in shapes.Keys)
        {
            Tensor t = source(w);
            Compare.Within(f.Tensor($"check.{w}.head").Span, t.Span, 0f, output, $"{name} generated {w} head");
            double sum = t.Data.Sum(v => (double)v);
            Assert.True(Math.Abs(sum - f.Tensor($"check.{w}.sum").Data[0]) <= 1e-3 * Math.Max(1.0, Math.Abs(sum)), $"{w}: generated sum {sum} differs from PyTorch's");
        }
        return new EncoderFixture(name, Meta("batch"), Meta("channels"), Meta("height"), Meta("width"), f.Bytes("frames"), f.Tensor("features"), shapes, source);
    }

    /// <summary>The frames as the float input PyTorch saw: x / 255.</summary>
    public float[] FloatFrames() => Frames.Select(b => b / 255f).ToArray();

    /// <summary>Runs both Forward overloads and compares each with PyTorch's features.</summary>
    public void AssertMatches(Encoder encoder, ITestOutputHelper output)
    {
        Assert.Equal(Features.Dim(1), encoder.OutputSize);
        var actual = new float[Features.Length];
        encoder.Forward(Frames, actual, Batch);
        Compare.Within(Features.Span, actual, Tolerance, output, $"{Name} uint8 path");
        Array.Clear(actual);
        encoder.Forward(FloatFrames(), actual, Batch);
        Compare.Within(Features.Span, actual, Tolerance, output, $"{Name} float path");
    }

    private static int[] ShapeOf(KernelFixtures f, string name) => f.Ints($"shape.{name}");
}
