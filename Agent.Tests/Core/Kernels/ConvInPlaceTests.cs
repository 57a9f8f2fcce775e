using AgentRnn.Core.Kernels;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Core.Kernels;

/// <summary>
/// Unpadded convolutions read their receptive fields in place (float NCHW/NHWC) or from converted bands of uint8 rows;
/// checked against a direct double-precision convolution over shapes with partial tiles, partial panels, tiles that
/// straddle output rows and images, and batches that split images into bands.
/// </summary>
public class ConvInPlaceTests(ITestOutputHelper output)
{
    // Float sums of up to 576 products of values in ±1 against a double reference.
    private const float Tolerance = 1e-4f;

    [Theory]
    [InlineData(1, 4, 32, 8, 4, 36, 29)]
    [InlineData(3, 4, 32, 8, 4, 84, 84)]
    [InlineData(13, 4, 32, 8, 4, 20, 24)]
    [InlineData(2, 3, 5, 3, 1, 7, 9)]
    [InlineData(5, 32, 64, 4, 2, 20, 20)]
    [InlineData(4, 64, 64, 3, 1, 9, 9)]
    [InlineData(1, 2, 17, 1, 1, 5, 3)]
    public void ForwardNhwc_Unpadded_MatchesDoubleReference(int batch, int cin, int cout, int kernel, int stride, int h, int w)
    {
        Conv2d conv = Layer(cin, cout, kernel, stride, 1);
        var frames = new byte[batch * cin * h * w];
        new Random(3).NextBytes(frames);
        float[] x = frames.Select(b => b / 255f - 0.5f).ToArray();
        (int oh, int ow) = conv.OutputSize(h, w);
        var scratch = new float[conv.ScratchSize(batch, h, w)];

        var nchw = new float[batch * oh * ow * cout];
        conv.ForwardNhwc(x, Layout.Nchw, nchw, batch, h, w, Fusion.None, scratch);
        Compare.Within(Reference(conv, 1, x, batch, h, w, scale: 1, relu: false), nchw, Tolerance, output, "NCHW float");

        var nhwc = new float[nchw.Length];
        conv.ForwardNhwc(ToNhwc(x, batch, cin, h, w), Layout.Nhwc, nhwc, batch, h, w, Fusion.None, scratch);
        Compare.Within(Reference(conv, 1, x, batch, h, w, scale: 1, relu: false), nhwc, Tolerance, output, "NHWC float");

        var fromFrames = new float[nchw.Length];
        conv.ForwardNhwc(frames, fromFrames, batch, h, w, Fusion.ReluOutput, scratch);
        float[] raw = frames.Select(b => (float)b).ToArray();
        Compare.Within(Reference(conv, 1, raw, batch, h, w, scale: 1 / 255.0, relu: true), fromFrames, Tolerance, output, "uint8 frames");

        foreach (IsaLevel level in new[] { IsaLevel.Scalar, IsaLevel.Vector128, IsaLevel.Vector256, IsaLevel.Vector512 })
        {
            using KernelIsa.Scope scope = KernelIsa.Force(level);
            var forced = new float[nchw.Length];
            conv.ForwardNhwc(frames, forced, batch, h, w, Fusion.ReluOutput, scratch);
            Compare.Within(Reference(conv, 1, raw, batch, h, w, scale: 1 / 255.0, relu: true), forced, Tolerance, output, $"uint8 frames, {level}");
            conv.ForwardNhwc(ToNhwc(x, batch, cin, h, w), Layout.Nhwc, forced, batch, h, w, Fusion.None, scratch);
            Compare.Within(Reference(conv, 1, x, batch, h, w, scale: 1, relu: false), forced, Tolerance, output, $"NHWC float, {level}");
        }
    }

    [Fact]
    public void ForwardNhwc_EmptyBatch_WritesNothing()
    {
        Conv2d conv = Layer(4, 32, 8, 4, 9);
        var y = new float[8];
        var scratch = new float[conv.ScratchSize(0, 84, 84)];

        conv.ForwardNhwc(ReadOnlySpan<float>.Empty, Layout.Nchw, y, 0, 84, 84, Fusion.ReluOutput, scratch);
        conv.ForwardNhwc(ReadOnlySpan<float>.Empty, Layout.Nhwc, y, 0, 84, 84, Fusion.None, scratch);
        conv.ForwardNhwc(ReadOnlySpan<byte>.Empty, y, 0, 84, 84, Fusion.ReluOutput, scratch);

        Assert.All(y, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void ForwardNhwc_UnpaddedReluInputAndAdd_MatchesDoubleReference()
    {
        // ReLU on the input cannot be read in place, so this takes the gather path; the sum and output ReLU still fuse.
        const int batch = 2, c = 8, h = 7, w = 6;
        Conv2d conv = Layer(c, c, 3, 1, 4);
        float[] x = Compare.Random(batch * c * h * w, 6);
        (int oh, int ow) = conv.OutputSize(h, w);
        float[] residual = Compare.Random(batch * oh * ow * c, 8);
        float[] conved = Reference(conv, 4, x.Select(v => MathF.Max(v, 0f)).ToArray(), batch, h, w, scale: 1, relu: false);
        float[] expected = conved.Zip(residual, (a, r) => MathF.Max(a + r, 0f)).ToArray();

        float[] actual = residual.ToArray();
        conv.ForwardNhwc(ToNhwc(x, batch, c, h, w), Layout.Nhwc, actual, batch, h, w, Fusion.ReluInput | Fusion.AddToOutput | Fusion.ReluOutput, new float[conv.ScratchSize(batch, h, w)]);
        Compare.Within(expected, actual, Tolerance, output, "relu-in + add + relu-out, unpadded");
    }

    // The layer's weights (out, in, k, k) and bias, as every test here builds them.
    private static Conv2d Layer(int cin, int cout, int k, int stride, int seed) =>
        new(Compare.Random(cout * cin * k * k, seed), Compare.Random(cout, seed + 1), cin, cout, k, k, stride);

    // x is (batch, in, h, w); returns y (batch, oh, ow, out) NHWC = conv(x · scale) + bias (then ReLU), summed in double,
    // with the weights Layer built from the same seed.
    private static float[] Reference(Conv2d conv, int seed, float[] x, int batch, int h, int w, double scale, bool relu)
    {
        int cin = conv.InChannels, cout = conv.OutChannels, k = conv.KernelH, s = conv.Stride;
        float[] weight = Compare.Random(cout * cin * k * k, seed);
        float[] bias = Compare.Random(cout, seed + 1);
        (int oh, int ow) = conv.OutputSize(h, w);
        var y = new float[batch * oh * ow * cout];
        for (int n = 0; n < batch; n++)
        {
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ox = 0; ox < ow; ox++)
                {
                    for (int o = 0; o < cout; o++)
                    {
                        double sum = bias[o];
                        for (int c = 0; c < cin; c++)
                        {
                            for (int ky = 0; ky < k; ky++)
                            {
                                for (int kx = 0; kx < k; kx++)
                                {
                                    sum += x[((n * cin + c) * h + oy * s + ky) * w + ox * s + kx] * scale * weight[((o * cin + c) * k + ky) * k + kx];
                                }
                            }
                        }
                        y[((n * oh + oy) * ow + ox) * cout + o] = (float)(relu ? Math.Max(sum, 0) : sum);
                    }
                }
            }
        }
        return y;
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
