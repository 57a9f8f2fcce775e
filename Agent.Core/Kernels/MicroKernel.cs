using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Agent.Core.Kernels;

/// <summary>
/// Register-blocked GEMM tiles: a (≤ 6) × (≤ 16) block of C from row-major A rows and one packed B panel.
/// Operands: A row r at a + r·lda (k floats); B element (p, j) at b + p·16 + j (a panel of 16 columns, zero-padded);
/// C element (r, j) at c + r·ldc + j. Epilogue: c = [c +] acc + bias[j], then ReLU when asked.
/// The FMA tile keeps its 12 accumulators, 2 B vectors and 1 broadcast in 15 ymm registers.
/// </summary>
internal static unsafe class MicroKernel
{
    /// <summary>Rows of C per tile (MR).</summary>
    internal const int Rows = 6;

    /// <summary>Columns of C per panel (NR): two Vector256.</summary>
    internal const int Cols = 16;

    /// <summary>Panels the one-row tile covers at once (its 8 accumulators hide the FMA latency).</summary>
    internal const int RowPanels = 4;

    /// <summary>C(rows, cols) [+]= A(rows, k) · B(k, 16)[:, :cols] + bias; rows ≤ 6, cols ≤ 16.</summary>
    internal static void Tile(bool fma, float* a, nint lda, int rows, float* b, int k, float* c, nint ldc, int cols, float* bias, bool accumulate, bool relu)
    {
        if (fma)
        {
            TileFma(a, lda, rows, b, k, c, ldc, cols, bias, accumulate, relu);
        }
        else
        {
            for (int r = 0; r < rows; r++)
            {
                TilePortable(a + r * lda, b, k, c + r * ldc, cols, bias, accumulate, relu);
            }
        }
    }

    /// <summary>
    /// One row of C over up to four panels: c(cols) [+]= a(k) · B + bias, cols ≤ 64; panel q starts at b + q·panelStride.
    /// The GEMV shape of a batch-1 linear layer, where a 6-row tile would waste five rows of work.
    /// </summary>
    internal static void Row(bool fma, float* a, float* b, nint panelStride, int k, float* c, int cols, float* bias, bool accumulate, bool relu)
    {
        if (fma && cols > Cols * (RowPanels - 1))
        {
            RowFma(a, b, panelStride, k, c, cols, bias, accumulate, relu);
            return;
        }
        for (int q = 0; q * Cols < cols; q++)
        {
            if (fma)
            {
                TileFma(a, 0, 1, b + q * panelStride, k, c + q * Cols, 0, Math.Min(Cols, cols - q * Cols), bias + q * Cols, accumulate, relu);
            }
            else
            {
                TilePortable(a, b + q * panelStride, k, c + q * Cols, Math.Min(Cols, cols - q * Cols), bias + q * Cols, accumulate, relu);
            }
        }
    }

    private static void TileFma(float* a, nint lda, int rows, float* b, int k, float* c, nint ldc, int cols, float* bias, bool accumulate, bool relu)
    {
        // Missing rows read the last real row again (always valid memory) and are never stored.
        float* a0 = a;
        float* a1 = rows > 1 ? a0 + lda : a0;
        float* a2 = rows > 2 ? a1 + lda : a1;
        float* a3 = rows > 3 ? a2 + lda : a2;
        float* a4 = rows > 4 ? a3 + lda : a3;
        float* a5 = rows > 5 ? a4 + lda : a4;
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < k; p++)
        {
            Vector256<float> b0 = Avx.LoadVector256(b);
            Vector256<float> b1 = Avx.LoadVector256(b + 8);
            b += Cols;
            Vector256<float> x = Avx.BroadcastScalarToVector256(a0 + p);
            c00 = Fma.MultiplyAdd(x, b0, c00);
            c01 = Fma.MultiplyAdd(x, b1, c01);
            x = Avx.BroadcastScalarToVector256(a1 + p);
            c10 = Fma.MultiplyAdd(x, b0, c10);
            c11 = Fma.MultiplyAdd(x, b1, c11);
            x = Avx.BroadcastScalarToVector256(a2 + p);
            c20 = Fma.MultiplyAdd(x, b0, c20);
            c21 = Fma.MultiplyAdd(x, b1, c21);
            x = Avx.BroadcastScalarToVector256(a3 + p);
            c30 = Fma.MultiplyAdd(x, b0, c30);
            c31 = Fma.MultiplyAdd(x, b1, c31);
            x = Avx.BroadcastScalarToVector256(a4 + p);
            c40 = Fma.MultiplyAdd(x, b0, c40);
            c41 = Fma.MultiplyAdd(x, b1, c41);
            x = Avx.BroadcastScalarToVector256(a5 + p);
            c50 = Fma.MultiplyAdd(x, b0, c50);
            c51 = Fma.MultiplyAdd(x, b1, c51);
        }
        Vector256<float> bias0 = Avx.LoadVector256(bias);
        Vector256<float> bias1 = Avx.LoadVector256(bias + 8);
        Store(c, cols, c00 + bias0, c01 + bias1, accumulate, relu);
        if (rows > 1)
        {
            Store(c + ldc, cols, c10 + bias0, c11 + bias1, accumulate, relu);
        }
        if (rows > 2)
        {
            Store(c + 2 * ldc, cols, c20 + bias0, c21 + bias1, accumulate, relu);
        }
        if (rows > 3)
        {
            Store(c + 3 * ldc, cols, c30 + bias0, c31 + bias1, accumulate, relu);
        }
        if (rows > 4)
        {
            Store(c + 4 * ldc, cols, c40 + bias0, c41 + bias1, accumulate, relu);
        }
        if (rows > 5)
        {
            Store(c + 5 * ldc, cols, c50 + bias0, c51 + bias1, accumulate, relu);
        }
    }

    private static void RowFma(float* a, float* b, nint panelStride, int k, float* c, int cols, float* bias, bool accumulate, bool relu)
    {
        float* p0 = b;
        float* p1 = b + panelStride;
        float* p2 = b + 2 * panelStride;
        float* p3 = b + 3 * panelStride;
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        for (nint p = 0; p < k; p++)
        {
            Vector256<float> x = Avx.BroadcastScalarToVector256(a + p);
            nint o = p * Cols;
            s0 = Fma.MultiplyAdd(x, Avx.LoadVector256(p0 + o), s0);
            s1 = Fma.MultiplyAdd(x, Avx.LoadVector256(p0 + o + 8), s1);
            s2 = Fma.MultiplyAdd(x, Avx.LoadVector256(p1 + o), s2);
            s3 = Fma.MultiplyAdd(x, Avx.LoadVector256(p1 + o + 8), s3);
            s4 = Fma.MultiplyAdd(x, Avx.LoadVector256(p2 + o), s4);
            s5 = Fma.MultiplyAdd(x, Avx.LoadVector256(p2 + o + 8), s5);
            s6 = Fma.MultiplyAdd(x, Avx.LoadVector256(p3 + o), s6);
            s7 = Fma.MultiplyAdd(x, Avx.LoadVector256(p3 + o + 8), s7);
        }
        Store(c, Cols, s0 + Avx.LoadVector256(bias), s1 + Avx.LoadVector256(bias + 8), accumulate, relu);
        Store(c + Cols, Cols, s2 + Avx.LoadVector256(bias + 16), s3 + Avx.LoadVector256(bias + 24), accumulate, relu);
        Store(c + 2 * Cols, Cols, s4 + Avx.LoadVector256(bias + 32), s5 + Avx.LoadVector256(bias + 40), accumulate, relu);
        Store(c + 3 * Cols, cols - 3 * Cols, s6 + Avx.LoadVector256(bias + 48), s7 + Avx.LoadVector256(bias + 56), accumulate, relu);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, int cols, Vector256<float> v0, Vector256<float> v1, bool accumulate, bool relu)
    {
        if (cols == Cols)
        {
            if (accumulate)
            {
                v0 += Vector256.Load(c);
                v1 += Vector256.Load(c + 8);
            }
            if (relu)
            {
                v0 = Vector256.Max(v0, Vector256<float>.Zero);
                v1 = Vector256.Max(v1, Vector256<float>.Zero);
            }
            v0.Store(c);
            v1.Store(c + 8);
            return;
        }
        float* tmp = stackalloc float[Cols];
        v0.Store(tmp);
        v1.Store(tmp + 8);
        Finish(c, cols, tmp, accumulate, relu);
    }

    private static void Finish(float* c, int cols, float* values, bool accumulate, bool relu)
    {
        for (int j = 0; j < cols; j++)
        {
            float v = accumulate ? c[j] + values[j] : values[j];
            c[j] = relu ? MathF.Max(v, 0f) : v;
        }
    }

    // The portable path: one row of one panel at a time over Vector128 (SSE and NEON accelerate it; software elsewhere).
    private static void TilePortable(float* a, float* b, int k, float* c, int cols, float* bias, bool accumulate, bool relu)
    {
        Vector128<float> s0 = Vector128<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
        for (int p = 0; p < k; p++)
        {
            Vector128<float> x = Vector128.Create(a[p]);
            float* row = b + p * Cols;
            s0 += x * Vector128.Load(row);
            s1 += x * Vector128.Load(row + 4);
            s2 += x * Vector128.Load(row + 8);
            s3 += x * Vector128.Load(row + 12);
        }
        float* tmp = stackalloc float[Cols];
        (s0 + Vector128.Load(bias)).Store(tmp);
        (s1 + Vector128.Load(bias + 4)).Store(tmp + 4);
        (s2 + Vector128.Load(bias + 8)).Store(tmp + 8);
        (s3 + Vector128.Load(bias + 12)).Store(tmp + 12);
        Finish(c, cols, tmp, accumulate, relu);
    }
}
