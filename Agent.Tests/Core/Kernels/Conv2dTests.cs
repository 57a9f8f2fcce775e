using AgentRnn.Core;
using AgentRnn.Core.Kernels;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Core.Kernels;

public class Conv2dTests(ITestOutputHelper output)
{
    private const float Tolerance = 1e-4f;

    public static TheoryData<string> Cases()
    {
        using KernelFixtures f = KernelFixtures.Open("conv2d");
        return new TheoryData<string>(f.Cases);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_PyTorchCase_MatchesWithinTolerance(string name)
    {
        using KernelFixtures f = KernelFixtures.Open("conv2d");
        (Conv2d conv, Tensor x, Tensor y, int batch, int h, int w) = Load(f, name);
        var actual = new float[y.Length];
        conv.Forward(x.Span, actual, batch, h, w);
        Assert.Equal((y.Dim(2), y.Dim(3)), conv.OutputSize(h, w));
        Compare.Within(y.Span, actual, Tolerance, output, $"conv2d {name}");
    }

    [Theory]
    [InlineData(Activation.ReLU)]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sigmoid)]
    public void Forward_FusedActivation_EqualsActivationOfPyTorchOutput(Activation activation)
    {
        using KernelFixtures f = KernelFixtures.Open("conv2d");
        foreach (string name in f.Cases)
        {
            (Conv2d conv, Tensor x, Tensor y, int batch, int h, int w) = Load(f, name);
            float[] expected = y.Data.ToArray();
            Activations.Apply(activation, expected);
            var actual = new float[y.Length];
            conv.Forward(x.Span, actual, batch, h, w, activation);
            Compare.Within(expected, actual, Tolerance, output, $"conv2d {name} + {activation}");
        }
    }

    [Fact]
    public void Forward_WithoutBias_EqualsZeroBias()
    {
        float[] weight = Compare.Random(3 * 2 * 3 * 3, 1);
        float[] x = Compare.Random(2 * 6 * 5, 2);
        var noBias = new Conv2d(weight, [], 2, 3, 3, 3, 1, 1);
        var zeroBias = new Conv2d(weight, new float[3], 2, 3, 3, 3, 1, 1);
        var a = new float[3 * 6 * 5];
        var b = new float[3 * 6 * 5];
        noBias.Forward(x, a, 1, 6, 5);
        zeroBias.Forward(x, b, 1, 6, 5);
        Assert.Equal(b, a);
    }

    [Fact]
    public void Constructor_WeightOfWrongLength_ThrowsNamingExpectedShape()
    {
        var e = Assert.Throws<ArgumentException>(() => new Conv2d(new float[10], [], 2, 3, 3, 3));
        Assert.Contains("(3, 2, 3, 3)", e.Message);
    }

    [Fact]
    public void OutputSize_KernelLargerThanPaddedInput_Throws()
    {
        var conv = new Conv2d(new float[8 * 8], [], 1, 1, 8, 8, 4, 0);
        Assert.Throws<ArgumentException>(() => conv.OutputSize(7, 20));
    }

    [Fact]
    public void Forward_OutputSpanTooSmall_Throws()
    {
        var conv = new Conv2d(new float[9], [], 1, 1, 3, 3, 1, 1);
        Assert.Throws<ArgumentException>(() => conv.Forward(new float[16], new float[15], 1, 4, 4));
    }

    private static (Conv2d Conv, Tensor X, Tensor Y, int Batch, int H, int W) Load(KernelFixtures f, string name)
    {
        int[] g = f.Ints(name + ".geometry"); // batch, in, out, kh, kw, stride, padding, h, w
        var conv = new Conv2d(f.Tensor(name + ".weight").Span, f.Tensor(name + ".bias").Span, g[1], g[2], g[3], g[4], g[5], g[6]);
        return (conv, f.Tensor(name + ".x"), f.Tensor(name + ".y"), g[0], g[7], g[8]);
    }
}
