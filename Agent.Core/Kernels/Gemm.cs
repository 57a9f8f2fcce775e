using System.Buffers;
using System.Numerics.Tensors;

namespace AgentRnn.Core.Kernels;

/// <summary>
/// General matrix multiply on row-major float32 matrices. B is packed per call into 16-column panels for the
/// register-blocked micro-kernels of the CPU's vector width (<see cref="KernelIsa"/>); layers that multiply by the
/// same weights every call (<see cref="Linear"/>, <see cref="Conv2d"/>) pack once at construction instead.
/// Large products spread over the kernel threads. Thread-safe: no shared mutable state.
/// </summary>
internal static unsafe class Gemm
{
    // Below this many multiply-adds, packing costs more than it saves.
    private const long PackThreshold = 4096;

    /// <summary>
    /// c is (m, n) = a (m, k) · bᵀ, where b is (n, k) row-major — PyTorch's Linear weight layout.
    /// When <paramref name="accumulate"/> is true the product is added to c.
    /// </summary>
    public static void MultiplyTransposedB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
    {
        CheckSizes(a.Length, b.Length, c.Length, m, n, k);
        if ((long)m * n * k < PackThreshold || m <= 2)
        {
            // Small or GEMV-shaped: one dot product per output reads b once per row of a, as packing would.
            for (int i = 0; i < m; i++)
            {
                ReadOnlySpan<float> row = a.Slice(i * k, k);
                for (int j = 0; j < n; j++)
                {
                    float dot = TensorPrimitives.Dot(row, b.Slice(j * k, k));
                    c[i * n + j] = accumulate ? c[i * n + j] + dot : dot;
                }
            }
            return;
        }
        int packed = PackedPanels.PanelCount(n) * MicroKernel.Cols;
        float[] panels = ArrayPool<float>.Shared.Rent(packed * k + packed);
        try
        {
            Span<float> bias = panels.AsSpan(packed * k, packed);
            bias.Clear();
            PackedPanels.PackTransposed(b, n, k, panels);
            Run(a, panels, c, m, n, k, accumulate);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(panels);
        }
    }

    /// <summary>c is (m, n) = a (m, k) · b (k, n); added to c when <paramref name="accumulate"/> is true.</summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
    {
        CheckSizes(a.Length, b.Length, c.Length, m, n, k);
        if ((long)m * n * k < PackThreshold)
        {
            if (!accumulate)
            {
                c.Slice(0, m * n).Clear();
            }
            for (int i = 0; i < m; i++)
            {
                Span<float> crow = c.Slice(i * n, n);
                for (int p = 0; p < k; p++)
                {
                    TensorPrimitives.MultiplyAdd(b.Slice(p * n, n), a[i * k + p], crow, crow);
                }
            }
            return;
        }
        int packed = PackedPanels.PanelCount(n) * MicroKernel.Cols;
        float[] panels = ArrayPool<float>.Shared.Rent(packed * k + packed);
        try
        {
            panels.AsSpan(packed * k, packed).Clear();
            PackedPanels.PackRowMajor(b, k, n, panels);
            Run(a, panels, c, m, n, k, accumulate);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(panels);
        }
    }

    // panels holds the packed B followed by a zero bias of 16·⌈n/16⌉ floats.
    private static void Run(ReadOnlySpan<float> a, float[] panels, Span<float> c, int m, int n, int k, bool accumulate)
    {
        int packed = PackedPanels.PanelCount(n) * MicroKernel.Cols;
        fixed (float* pa = a)
        fixed (float* pb = panels)
        fixed (float* pc = c)
        {
            GemmCore.Run(pa, k, m, k, n, pb, pb + (nint)packed * k, pc, n, accumulate, relu: false);
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
