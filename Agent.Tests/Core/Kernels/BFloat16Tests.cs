using AgentRnn.Core.Kernels;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Core.Kernels;

/// <summary>bfloat16 weight storage: the rounding, and Linear layers with bfloat16 weights at every <see cref="IsaLevel"/>.</summary>
public class BFloat16Tests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(1f, 0x3F80)]
    [InlineData(-2f, 0xC000)]
    [InlineData(1.00390625f, 0x3F80)]        // exactly halfway above 1 (mantissa ...0 | 1000...): ties to even, down
    [InlineData(1.01171875f, 0x3F82)]        // halfway above 0x3F81 (odd): ties to even, up
    [InlineData(1.0039064f, 0x3F81)]         // one float above halfway: up
    [InlineData(float.PositiveInfinity, 0x7F80)]
    [InlineData(float.MaxValue, 0x7F80)]     // rounds up past the largest bfloat16 to infinity, as torch does
    [InlineData(1e-40f, 0x0001)]             // subnormals round like any other value
    public void Round_ToNearestEven_AsTorch(float value, int expected)
    {
        Assert.Equal((ushort)expected, BFloat16.Round(value));
        Assert.Equal(BitConverter.UInt32BitsToSingle((uint)expected << 16), BFloat16.Widen((ushort)expected));
    }

    [Fact]
    public void Round_NaN_StaysNaN()
    {
        Assert.True(float.IsNaN(BFloat16.Widen(BFloat16.Round(float.NaN))));
        Assert.True(float.IsNaN(BFloat16.Widen(BFloat16.Round(BitConverter.UInt32BitsToSingle(0x7F800001)))));
    }

    public static TheoryData<IsaLevel, int, int, int> Cases()
    {
        var data = new TheoryData<IsaLevel, int, int, int>();
        foreach (IsaLevel level in new[] { IsaLevel.Scalar, IsaLevel.Vector128, IsaLevel.Vector256, IsaLevel.Vector512 })
        {
            data.Add(level, 1, 512, 333);   // GEMV: four-panel groups
            data.Add(level, 1, 6, 256);     // GEMV: one partial panel (a head)
            data.Add(level, 7, 70, 100);    // tiles over widened slices, partial panels
            data.Add(level, 9, 64, 1700);   // two depth slices
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Linear_BFloat16Weights_MatchDoubleReferenceOfTheRoundedWeights(IsaLevel level, int m, int n, int k)
    {
        float[] x = Compare.Random(m * k, 21);
        float[] w = Compare.Random(n * k, 22);
        float[] bias = Compare.Random(n, 23);
        var expected = new float[m * n];
        var unrounded = new float[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = bias[j], full = bias[j];
                for (int p = 0; p < k; p++)
                {
                    sum += (double)x[i * k + p] * BFloat16.Widen(BFloat16.Round(w[j * k + p]));
                    full += (double)x[i * k + p] * w[j * k + p];
                }
                expected[i * n + j] = (float)sum;
                unrounded[i * n + j] = (float)full;
            }
        }
        using KernelIsa.Scope scope = KernelIsa.Force(level);
        var linear = new Linear(w, bias, n, k, WeightPrecision.BFloat16);
        Assert.Equal(WeightPrecision.BFloat16, linear.Precision);
        var y = new float[m * n];
        linear.Forward(x, y, m);
        // Float32 arithmetic on exactly the stored weights: the float32 kernels' tolerance.
        Compare.Within(expected, y, 1e-5f + 2e-6f * k, output, $"{level} bf16 linear m={m} n={n} k={k}");
        float drift = 0f;
        for (int i = 0; i < y.Length; i++)
        {
            drift = MathF.Max(drift, MathF.Abs(y[i] - unrounded[i]));
        }
        output.WriteLine($"{level}: largest difference from the float32 weights' result {drift:E2} (weights rounded by up to 2^-9 relative)");
    }

    [Fact]
    public void LinearPrecision_Scope_SetsTheDefaultOnThisThreadOnly()
    {
        float[] w = Compare.Random(16 * 8, 1);
        Assert.Equal(WeightPrecision.Float32, new Linear(w, [], 16, 8).Precision);
        // The scope is thread-static: it must begin and end on one thread (no await inside it), and other threads keep float32.
        WeightPrecision elsewhere = WeightPrecision.BFloat16;
        using (LinearPrecision.Use(WeightPrecision.BFloat16))
        {
            Assert.Equal(WeightPrecision.BFloat16, new Linear(w, [], 16, 8).Precision);
            Assert.Equal(WeightPrecision.Float32, new Linear(w, [], 16, 8, WeightPrecision.Float32).Precision);
            var other = new Thread(() => elsewhere = new Linear(w, [], 16, 8).Precision);
            other.Start();
            other.Join();
        }
        Assert.Equal(WeightPrecision.Float32, elsewhere);
        Assert.Equal(WeightPrecision.Float32, new Linear(w, [], 16, 8).Precision);
    }
}
