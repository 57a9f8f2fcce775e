namespace Agent.Core.Kernels;

/// <summary>General matrix multiply on row-major float32 matrices.</summary>
public static class Gemm
{
    /// <summary>
    /// c is (m, n) = a (m, k) · bᵀ, where b is (n, k) row-major — PyTorch's Linear weight layout.
    /// When <paramref name="accumulate"/> is true the product is added to c.
    /// </summary>
    public static void MultiplyTransposedB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
    {
        CheckSizes(a.Length, b.Length, c.Length, m, n, k);
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<float> row = a.Slice(i * k, k);
            for (int j = 0; j < n; j++)
            {
                float dot = System.Numerics.Tensors.TensorPrimitives.Dot(row, b.Slice(j * k, k));
                c[i * n + j] = accumulate ? c[i * n + j] + dot : dot;
            }
        }
    }

    /// <summary>c is (m, n) = a (m, k) · b (k, n); added to c when <paramref name="accumulate"/> is true.</summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
    {
        CheckSizes(a.Length, b.Length, c.Length, m, n, k);
        if (!accumulate)
        {
            c.Slice(0, m * n).Clear();
        }
        for (int i = 0; i < m; i++)
        {
            Span<float> crow = c.Slice(i * n, n);
            for (int p = 0; p < k; p++)
            {
                float s = a[i * k + p];
                if (s != 0f)
                {
                    System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(b.Slice(p * n, n), s, crow, crow);
                }
            }
        }
    }

    private static void CheckSizes(int aLen, int bLen, int cLen, int m, int n, int k)
    {
        if (m < 0 || n < 0 || k < 0 || aLen < (long)m * k || bLen < (long)n * k || cLen < (long)m * n)
        {
            throw new ArgumentException($"GEMM sizes do not fit: m={m} n={n} k={k}, a={aLen} b={bLen} c={cLen}");
        }
    }
}
