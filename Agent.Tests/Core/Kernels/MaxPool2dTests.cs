using Agent.Core;
using Agent.Core.Kernels;
using Xunit.Abstractions;

namespace Agent.Tests.Core.Kernels;

public class MaxPool2dTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases()
    {
        using KernelFixtures f = KernelFixtures.Open("maxpool2d");
        return new TheoryData<string>(f.Cases);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_PyTorchCase_MatchesExactly(string name)
    {
        using KernelFixtures f = KernelFixtures.Open("maxpool2d");
        int[] g = f.Ints(name + ".geometry"); // batch, channels, kernel, stride, padding, h, w
        var pool = new MaxPool2d(g[2], g[3], g[4]);
        Tensor y = f.Tensor(name + ".y");
        Assert.Equal((y.Dim(2), y.Dim(3)), pool.OutputSize(g[5], g[6]));
        var actual = new float[y.Length];
        pool.Forward(f.Tensor(name + ".x").Span, actual, g[0], g[1], g[5], g[6]);
        Compare.Within(y.Span, actual, 0f, output, $"maxpool2d {name}");
    }

    [Fact]
    public void Forward_AllNegativeInput_PaddingNeverWins()
    {
        var pool = new MaxPool2d(3, 2, 1);
        float[] x = Enumerable.Repeat(-5f, 9).ToArray();
        var y = new float[4];
        pool.Forward(x, y, 1, 1, 3, 3);
        Assert.All(y, v => Assert.Equal(-5f, v));
    }

    [Theory]
    [InlineData(3, 2, 2)]
    [InlineData(0, 1, 0)]
    [InlineData(2, 0, 0)]
    public void Constructor_BadGeometry_Throws(int kernel, int stride, int padding)
    {
        Assert.Throws<ArgumentException>(() => new MaxPool2d(kernel, stride, padding));
    }
}
