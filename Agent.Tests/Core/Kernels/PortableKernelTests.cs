using AgentRnn.Core;
using AgentRnn.Core.Kernels;
using AgentRnn.Tests.Vision.Encoders;
using AgentRnn.Vision.Encoders;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Core.Kernels;

/// <summary>The Vector128 path that runs where AVX2/FMA are missing, forced on this thread, against the same references.</summary>
public class PortableKernelTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1, 512, 3136)]
    [InlineData(7, 17, 33)]
    [InlineData(49, 64, 576)]
    [InlineData(13, 70, 100)]
    public void MultiplyTransposedB_PortableKernels_MatchDoubleReference(int m, int n, int k)
    {
        float[] a = Compare.Random(m * k, 11);
        float[] b = Compare.Random(n * k, 12);
        var expected = new float[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    sum += (double)a[i * k + p] * b[j * k + p];
                }
                expected[i * n + j] = (float)sum;
            }
        }
        var c = new float[m * n];
        using (KernelIsa.ForcePortable())
        {
            Assert.False(KernelIsa.UseFma);
            Gemm.MultiplyTransposedB(a, b, c, m, n, k);
            var linear = new Linear(b, [], n, k);
            var y = new float[m * n];
            linear.Forward(a, y, m);
            Compare.Within(expected, y, 1e-5f + 2e-6f * k, output, $"portable linear m={m} n={n} k={k}");
        }
        Compare.Within(expected, c, 1e-5f + 2e-6f * k, output, $"portable a·bᵀ m={m} n={n} k={k}");
    }

    [Fact]
    public void Conv2d_PortableKernels_MatchPyTorchCases()
    {
        using KernelFixtures f = KernelFixtures.Open("conv2d");
        using KernelIsa.PortableScope scope = KernelIsa.ForcePortable();
        foreach (string name in f.Cases)
        {
            int[] g = f.Ints(name + ".geometry"); // batch, in, out, kh, kw, stride, padding, h, w
            var conv = new Conv2d(f.Tensor(name + ".weight").Span, f.Tensor(name + ".bias").Span, g[1], g[2], g[3], g[4], g[5], g[6]);
            Tensor y = f.Tensor(name + ".y");
            var actual = new float[y.Length];
            conv.Forward(f.Tensor(name + ".x").Span, actual, g[0], g[7], g[8]);
            Compare.Within(y.Span, actual, 1e-4f, output, $"portable conv2d {name}");
        }
    }

    [Theory]
    [InlineData("nature_cnn_4x84x84")]
    [InlineData("impala_cnn_3x64x64")]
    public void Encoders_PortableKernels_MatchPyTorchFixtures(string name)
    {
        EncoderFixture f = EncoderFixture.Load(name, output);
        using KernelIsa.PortableScope scope = KernelIsa.ForcePortable();
        Encoder encoder = name.StartsWith("nature", StringComparison.Ordinal)
            ? new NatureCnn(f.Channels, f.Height, f.Width, f.Weights)
            : new ImpalaCnn(f.Channels, f.Height, f.Width, f.Weights);
        f.AssertMatches(encoder, output);
    }
}
