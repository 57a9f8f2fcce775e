using AgentRnn.Core.Kernels;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Core.Kernels;

public class GemmTests(ITestOutputHelper output)
{
    // float32 sums of k products in [-1, 1] drift by about √k·ε·|c|; this bound is loose enough for every shape below.
    private static float Tolerance(int k) => 1e-5f + 2e-6f * k;

    public static TheoryData<int, int, int> Shapes() => new()
    {
        { 1, 1, 1 },
        { 3, 5, 7 },
        { 7, 17, 33 },
        { 6, 16, 64 },
        { 13, 40, 100 },
        { 25, 31, 9 },
        { 1, 512, 3136 },
        { 2, 512, 3136 },
        { 400, 32, 256 },
        { 81, 64, 512 },
        { 49, 64, 576 },
        { 5, 1024, 768 },
        { 20, 40, 1700 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void MultiplyTransposedB_RandomMatrices_MatchesDoubleReference(int m, int n, int k)
    {
        float[] a = Compare.Random(m * k, 1);
        float[] b = Compare.Random(n * k, 2);
        float[] c = Compare.Random(m * n, 3);
        float[] expected = Reference(a, b, c, m, n, k, transposedB: true, accumulate: false);
        Gemm.MultiplyTransposedB(a, b, c, m, n, k);
        Compare.Within(expected, c, Tolerance(k), output, $"a·bᵀ m={m} n={n} k={k}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Multiply_RandomMatrices_MatchesDoubleReference(int m, int n, int k)
    {
        float[] a = Compare.Random(m * k, 4);
        float[] b = Compare.Random(k * n, 5);
        float[] c = Compare.Random(m * n, 6);
        float[] expected = Reference(a, b, c, m, n, k, transposedB: false, accumulate: false);
        Gemm.Multiply(a, b, c, m, n, k);
        Compare.Within(expected, c, Tolerance(k), output, $"a·b m={m} n={n} k={k}");
    }

    [Theory]
    [InlineData(true, 35)]
    [InlineData(false, 35)]
    [InlineData(true, 1700)]
    [InlineData(false, 1700)]
    public void Accumulate_True_AddsProductToExistingC(bool transposedB, int k)
    {
        const int m = 9, n = 21;
        float[] a = Compare.Random(m * k, 7);
        float[] b = Compare.Random(n * k, 8);
        float[] c = Compare.Random(m * n, 9);
        float[] expected = Reference(a, b, c, m, n, k, transposedB, accumulate: true);
        if (transposedB)
        {
            Gemm.MultiplyTransposedB(a, b, c, m, n, k, accumulate: true);
        }
        else
        {
            Gemm.Multiply(a, b, c, m, n, k, accumulate: true);
        }
        Compare.Within(expected, c, Tolerance(k), output, $"accumulate transposedB={transposedB}");
    }

    [Fact]
    public void MultiplyTransposedB_OutputTooSmall_Throws()
    {
        Assert.Throws<ArgumentException>(() => Gemm.MultiplyTransposedB(new float[6], new float[6], new float[3], 2, 2, 3));
    }

    [Fact]
    public void Multiply_ZeroSizedK_ClearsOrKeepsC()
    {
        float[] c = [1f, 2f];
        Gemm.Multiply([], [], c, 1, 2, 0, accumulate: true);
        Assert.Equal([1f, 2f], c);
        Gemm.Multiply([], [], c, 1, 2, 0);
        Assert.Equal([0f, 0f], c);
    }

    private static float[] Reference(float[] a, float[] b, float[] c, int m, int n, int k, bool transposedB, bool accumulate)
    {
        var result = new float[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = accumulate ? c[i * n + j] : 0.0;
                for (int p = 0; p < k; p++)
                {
                    sum += (double)a[i * k + p] * (transposedB ? b[j * k + p] : b[p * n + j]);
                }
                result[i * n + j] = (float)sum;
            }
        }
        return result;
    }
}
