using System.Runtime.Intrinsics;
using AgentRnn.Core;
using AgentRnn.Core.Kernels;
using AgentRnn.Tests.Vision.Encoders;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Core.Kernels;

/// <summary>
/// Every <see cref="IsaLevel"/>'s kernels, forced on the test's thread, against double-precision references and the
/// PyTorch fixtures. Levels the CPU lacks still run: the runtime emulates wider vectors in software (slowly), which is
/// how the AVX-512 kernels are checked on an AVX2 machine.
/// </summary>
public class IsaKernelTests(ITestOutputHelper output)
{
    public static TheoryData<IsaLevel> Levels => new() { IsaLevel.Scalar, IsaLevel.Vector128, IsaLevel.Vector256, IsaLevel.Vector512 };

    public static TheoryData<IsaLevel, int, int, int> GemmCases()
    {
        var data = new TheoryData<IsaLevel, int, int, int>();
        // GEMV (the one-row kernels, full and partial panel groups), odd tiles and panels, a 4-panel tile with a partial
        // last panel, conv- and LSTM-like shapes, and a reduction longer than one depth slice.
        int[][] shapes = [[1, 512, 3136], [1, 6, 256], [1, 50, 33], [7, 17, 33], [20, 50, 40], [49, 64, 576], [13, 70, 100], [9, 64, 1700]];
        foreach (IsaLevel level in Levels)
        {
            foreach (int[] s in shapes)
            {
                data.Add(level, s[0], s[1], s[2]);
            }
        }
        return data;
    }

    [Fact]
    public void Best_IsTheWidestAcceleratedLevel_AndForceRestoresIt()
    {
        IsaLevel expected = Vector512.IsHardwareAccelerated ? IsaLevel.Vector512
            : Vector256.IsHardwareAccelerated && System.Runtime.Intrinsics.X86.Fma.IsSupported ? IsaLevel.Vector256
            : Vector128.IsHardwareAccelerated ? IsaLevel.Vector128 : IsaLevel.Scalar;
        output.WriteLine($"this machine: {KernelIsa.Best} ({KernelIsa.Describe(KernelIsa.Best)})");
        Assert.Equal(expected, KernelIsa.Best);
        Assert.Equal(KernelIsa.Best, KernelIsa.Current);
        using (KernelIsa.Force(IsaLevel.Scalar))
        {
            Assert.Equal(IsaLevel.Scalar, KernelIsa.Current);
            using (KernelIsa.Force(IsaLevel.Vector512))
            {
                Assert.Equal(IsaLevel.Vector512, KernelIsa.Current);
            }
            Assert.Equal(IsaLevel.Scalar, KernelIsa.Current);
        }
        Assert.Equal(KernelIsa.Best, KernelIsa.Current);
    }

    [Theory]
    [MemberData(nameof(GemmCases))]
    public void GemmAndLinear_EachLevel_MatchDoubleReference(IsaLevel level, int m, int n, int k)
    {
        float[] a = Compare.Random(m * k, 11);
        float[] b = Compare.Random(n * k, 12);
        float[] bias = Compare.Random(n, 13);
        float[] start = Compare.Random(m * n, 14);
        var product = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    sum += (double)a[i * k + p] * b[j * k + p];
                }
                product[i * n + j] = sum;
            }
        }
        // Sums of k products of values in ±1: float rounding grows with k.
        float tolerance = 1e-5f + 2e-6f * k;
        using KernelIsa.Scope scope = KernelIsa.Force(level);

        var c = new float[m * n];
        Gemm.MultiplyTransposedB(a, b, c, m, n, k);
        Compare.Within(product.Select(v => (float)v).ToArray(), c, tolerance, output, $"{level} a·bᵀ m={m} n={n} k={k}");

        float[] accumulated = (float[])start.Clone();
        Gemm.MultiplyTransposedB(a, b, accumulated, m, n, k, accumulate: true);
        Compare.Within(product.Select((v, i) => (float)(v + start[i])).ToArray(), accumulated, tolerance, output, $"{level} c + a·bᵀ");

        var linear = new Linear(b, bias, n, k);
        var y = new float[m * n];
        linear.Forward(a, y, m, Activation.ReLU);
        Compare.Within(product.Select((v, i) => (float)Math.Max(v + bias[i % n], 0)).ToArray(), y, tolerance, output, $"{level} relu(linear)");
    }

    [Theory]
    [MemberData(nameof(Levels))]
    public void Conv2d_EachLevel_MatchesPyTorchCases(IsaLevel level)
    {
        using KernelFixtures f = KernelFixtures.Open("conv2d");
        using KernelIsa.Scope scope = KernelIsa.Force(level);
        foreach (string name in f.Cases)
        {
            int[] g = f.Ints(name + ".geometry"); // batch, in, out, kh, kw, stride, padding, h, w
            var conv = new Conv2d(f.Tensor(name + ".weight").Span, f.Tensor(name + ".bias").Span, g[1], g[2], g[3], g[4], g[5], g[6]);
            Tensor y = f.Tensor(name + ".y");
            var actual = new float[y.Length];
            conv.Forward(f.Tensor(name + ".x").Span, actual, g[0], g[7], g[8]);
            Compare.Within(y.Span, actual, 1e-4f, output, $"{level} conv2d {name}");
        }
    }

    public static TheoryData<IsaLevel, string> EncoderCases()
    {
        var data = new TheoryData<IsaLevel, string>();
        foreach (IsaLevel level in Levels)
        {
            data.Add(level, "nature_cnn_4x84x84");
            data.Add(level, "impala_cnn_3x64x64");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(EncoderCases))]
    public void Encoders_EachLevel_MatchPyTorchFixtures(IsaLevel level, string name)
    {
        EncoderFixture f = EncoderFixture.Load(name, output);
        using KernelIsa.Scope scope = KernelIsa.Force(level);
        Encoder encoder = name.StartsWith("nature", StringComparison.Ordinal)
            ? new NatureCnn(f.Channels, f.Height, f.Width, f.Weights)
            : new ImpalaCnn(f.Channels, f.Height, f.Width, f.Weights);
        f.AssertMatches(encoder, output);
    }
}
