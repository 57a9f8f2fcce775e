using AgentRnn.Core.Kernels;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Core.Kernels;

/// <summary>The channels-last overloads the encoders use, checked against the NCHW path PyTorch's fixtures pin down.</summary>
public class ConvLayoutTests(ITestOutputHelper output)
{
    // Layouts change only the summation order; outputs reach ~20 for the 512-long reductions below.
    private const float Tolerance = 1e-4f;

    [Theory]
    [InlineData(2, 3, 5, 3, 1, 1, 7, 9)]
    [InlineData(1, 4, 6, 5, 2, 2, 11, 10)]
    [InlineData(3, 32, 64, 4, 2, 0, 20, 20)]
    [InlineData(1, 16, 16, 3, 1, 1, 13, 5)]
    public void ForwardNhwc_NchwAndNhwcInputs_EqualTransposedNchwForward(int batch, int cin, int cout, int kernel, int stride, int padding, int h, int w)
    {
        var conv = new Conv2d(Compare.Random(cout * cin * kernel * kernel, 1), Compare.Random(cout, 2), cin, cout, kernel, kernel, stride, padding);
        float[] x = Compare.Random(batch * cin * h * w, 3);
        (int oh, int ow) = conv.OutputSize(h, w);
        var nchw = new float[batch * cout * oh * ow];
        conv.Forward(x, nchw, batch, h, w);
        float[] expected = ToNhwc(nchw, batch, cout, oh, ow);
        var scratch = new float[conv.ScratchSize(batch, h, w)];

        var fromNchw = new float[expected.Length];
        conv.ForwardNhwc(x, Layout.Nchw, fromNchw, batch, h, w, Fusion.None, scratch);
        Compare.Within(expected, fromNchw, Tolerance, output, "NCHW → NHWC");

        var fromNhwc = new float[expected.Length];
        conv.ForwardNhwc(ToNhwc(x, batch, cin, h, w), Layout.Nhwc, fromNhwc, batch, h, w, Fusion.None, scratch);
        Compare.Within(expected, fromNhwc, Tolerance, output, "NHWC → NHWC");
    }

    [Fact]
    public void ForwardNhwc_AllFusions_EqualUnfusedSteps()
    {
        const int batch = 2, c = 8, h = 6, w = 7;
        var conv = new Conv2d(Compare.Random(c * c * 9, 4), Compare.Random(c, 5), c, c, 3, 3, 1, 1);
        float[] x = Compare.Random(batch * h * w * c, 6);
        float[] residual = Compare.Random(batch * h * w * c, 7);
        var scratch = new float[conv.ScratchSize(batch, h, w)];

        float[] relued = x.Select(v => MathF.Max(v, 0f)).ToArray();
        var plain = new float[x.Length];
        conv.ForwardNhwc(relued, Layout.Nhwc, plain, batch, h, w, Fusion.None, scratch);
        float[] expected = plain.Zip(residual, (p, r) => MathF.Max(p + r, 0f)).ToArray();

        float[] actual = residual.ToArray();
        conv.ForwardNhwc(x, Layout.Nhwc, actual, batch, h, w, Fusion.ReluInput | Fusion.AddToOutput | Fusion.ReluOutput, scratch);
        Compare.Within(expected, actual, Tolerance, output, "relu-in + add + relu-out");
    }

    [Fact]
    public void ForwardNhwc_Frames_EqualFloatInputDividedBy255()
    {
        const int batch = 2, c = 4, h = 36, w = 29;
        var conv = new Conv2d(Compare.Random(32 * c * 64, 8), Compare.Random(32, 9), c, 32, 8, 8, 4, 0);
        var frames = new byte[batch * c * h * w];
        new Random(10).NextBytes(frames);
        (int oh, int ow) = conv.OutputSize(h, w);
        var scratch = new float[conv.ScratchSize(batch, h, w)];
        var expected = new float[batch * oh * ow * 32];
        conv.ForwardNhwc(frames.Select(b => b / 255f).ToArray(), Layout.Nchw, expected, batch, h, w, Fusion.ReluOutput, scratch);
        var actual = new float[expected.Length];
        conv.ForwardNhwc(frames, actual, batch, h, w, Fusion.ReluOutput, scratch);
        Compare.Within(expected, actual, Tolerance, output, "uint8 frames");
    }

    [Fact]
    public void ForwardNhwc_ScratchTooSmall_Throws()
    {
        var conv = new Conv2d(new float[9], [], 1, 1, 3, 3, 1, 1);
        int needed = conv.ScratchSize(1, 8, 8);
        var e = Assert.Throws<ArgumentException>(() => conv.ForwardNhwc(new float[64], Layout.Nhwc, new float[64], 1, 8, 8, Fusion.None, new float[needed - 1]));
        Assert.Contains("scratch", e.Message);
    }

    [Fact]
    public void MaxPool2dForwardNhwc_RandomInput_EqualsTransposedNchw()
    {
        const int batch = 2, c = 20, h = 9, w = 8;
        var pool = new MaxPool2d(3, 2, 1);
        float[] x = Compare.Random(batch * c * h * w, 11);
        (int oh, int ow) = pool.OutputSize(h, w);
        var nchw = new float[batch * c * oh * ow];
        pool.Forward(x, nchw, batch, c, h, w);
        var actual = new float[nchw.Length];
        pool.ForwardNhwc(ToNhwc(x, batch, c, h, w), actual, batch, c, h, w);
        Compare.Within(ToNhwc(nchw, batch, c, oh, ow), actual, 0f, output, "max-pool NHWC");
    }

    [Fact]
    public void LinearForward_ManyThreadsAtOnce_EachGetsItsOwnResult()
    {
        const int n = 256, k = 1024, batch = 8;
        var linear = new Linear(Compare.Random(n * k, 12), Compare.Random(n, 13), n, k);
        float[][] inputs = Enumerable.Range(0, 4).Select(i => Compare.Random(batch * k, 20 + i)).ToArray();
        float[][] expected = inputs.Select(x =>
        {
            var y = new float[batch * n];
            linear.Forward(x, y, batch);
            return y;
        }).ToArray();
        // Every call owns its output: layers promise concurrent calls, not concurrent writers of one buffer.
        float[][] actual = Enumerable.Range(0, 100).Select(_ => new float[batch * n]).ToArray();
        Parallel.For(0, actual.Length, i => linear.Forward(inputs[i % 4], actual[i], batch));
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.Equal(expected[i % 4], actual[i]);
        }
        output.WriteLine($"{actual.Length} concurrent calls matched their single-threaded results exactly");
    }

    private static float[] ToNhwc(float[] nchw, int batch, int c, int h, int w)
    {
        var result = new float[nchw.Length];
        for (int n = 0; n < batch; n++)
        {
            for (int ch = 0; ch < c; ch++)
            {
                for (int p = 0; p < h * w; p++)
                {
                    result[(n * h * w + p) * c + ch] = nchw[(n * c + ch) * h * w + p];
                }
            }
        }
        return result;
    }
}
