using AgentRnn.Core;
using AgentRnn.Core.Kernels;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Core.Kernels;

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

    [Theory]
    [InlineData(8, 32, 32, 32)]
    [InlineData(3, 13, 17, 11)]
    public void ForwardNhwc_LargeEnoughToSplit_EqualsNchwForward(int batch, int channels, int h, int w)
    {
        // The first case is large enough to spread its output rows over the kernel threads; the second is odd-sized.
        var pool = new MaxPool2d(3, 2, 1);
        float[] x = Compare.Random(batch * channels * h * w, 21);
        (int oh, int ow) = pool.OutputSize(h, w);
        var nchw = new float[batch * channels * oh * ow];
        pool.Forward(x, nchw, batch, channels, h, w);
        var nhwcIn = new float[x.Length];
        var expected = new float[nchw.Length];
        for (int n = 0; n < batch; n++)
        {
            for (int c = 0; c < channels; c++)
            {
                for (int p = 0; p < h * w; p++)
                {
                    nhwcIn[(n * h * w + p) * channels + c] = x[(n * channels + c) * h * w + p];
                }
                for (int p = 0; p < oh * ow; p++)
                {
                    expected[(n * oh * ow + p) * channels + c] = nchw[(n * channels + c) * oh * ow + p];
                }
            }
        }
        foreach (IsaLevel level in new[] { IsaLevel.Scalar, IsaLevel.Vector128, IsaLevel.Vector256, IsaLevel.Vector512 })
        {
            using KernelIsa.Scope scope = KernelIsa.Force(level);
            var actual = new float[expected.Length];
            pool.ForwardNhwc(nhwcIn, actual, batch, channels, h, w);
            Compare.Within(expected, actual, 0f, output, $"max-pool NHWC {batch}x{h}x{w}x{channels} at {level}");
        }
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
