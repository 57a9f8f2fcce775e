using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AgentRnn.Core.Kernels;

/// <summary>
/// Register-blocked GEMM tiles: a (≤ 6) × (≤ 16) block of C from row-major A rows and one packed B panel.
/// Operands: A row r at a + r·lda (k floats); B element (p, j) at b + p·16 + j (a panel of 16 columns, zero-padded);
/// C element (r, j) at c + r·ldc + j. Epilogue: c = [c +] acc + bias[j], then ReLU when asked.
/// The FMA tile keeps its 12 accumulators, 2 B vectors and 1 broadcast in 15 ymm registers.
/// Hot methods are AggressiveOptimization: tiered compilation left these long-running loops in unoptimized tier-0
/// code (about 2.5× slower), since each call runs long and the calls are few.
/// </summary>
[SkipLocalsInit]
internal static unsafe class MicroKernel
{
    /// <summary>Rows of C per tile (MR).</summary>
    internal const int Rows = 6;

    /// <summary>Columns of C per panel (NR): two Vector256.</summary>
    internal const int Cols = 16;

    /// <summary>Panels the one-row tile covers at once (its 8 accumulators hide the FMA latency).</summary>
    internal const int RowPanels = 4;

    /// <summary>C(rows, cols) [+]= A(rows, k) · B(k, 16)[:, :cols] + bias; rows ≤ 6, cols ≤ 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    /// <summary>
    /// A tile whose A is read in place from a convolution's input instead of a gathered patch matrix:
    /// A(r, s·length + t) = rows[r][offsets[s] + t] for s &lt; segments, t &lt; length. Each segment is one contiguous run
    /// of the input (a kernel row of one channel in NCHW, of all channels in NHWC); rows[r] is output pixel r's
    /// receptive-field origin. B, C, bias and the epilogue as <see cref="Tile"/>; count ≤ 6 rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SegmentTile(bool fma, float** rows, int count, int* offsets, int segments, int length, float* b, float* c, nint ldc, int cols, float* bias, bool accumulate, bool relu)
    {
        if (fma)
        {
            SegmentTileFma(rows, count, offsets, segments, length, b, c, ldc, cols, bias, accumulate, relu);
            return;
        }
        for (int r = 0; r < count; r++)
        {
            SegmentRowPortable(rows[r], offsets, segments, length, b, c + r * ldc, cols, bias, accumulate, relu);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SegmentTileFma(float** rows, int count, int* offsets, int segments, int length, float* b, float* c, nint ldc, int cols, float* bias, bool accumulate, bool relu)
    {
        // Missing rows read the last real row again (always valid memory) and are never stored.
        float* a0 = rows[0];
        float* a1 = count > 1 ? rows[1] : a0;
        float* a2 = count > 2 ? rows[2] : a1;
        float* a3 = count > 3 ? rows[3] : a2;
        float* a4 = count > 4 ? rows[4] : a3;
        float* a5 = count > 5 ? rows[5] : a4;
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int s = 0; s < segments; s++)
        {
            nint o = offsets[s];
            float* x0 = a0 + o, x1 = a1 + o, x2 = a2 + o, x3 = a3 + o, x4 = a4 + o, x5 = a5 + o;
            for (nint t = 0; t < length; t++)
            {
                Vector256<float> b0 = Avx.LoadVector256(b);
                Vector256<float> b1 = Avx.LoadVector256(b + 8);
                b += Cols;
                Vector256<float> x = Avx.BroadcastScalarToVector256(x0 + t);
                c00 = Fma.MultiplyAdd(x, b0, c00);
                c01 = Fma.MultiplyAdd(x, b1, c01);
                x = Avx.BroadcastScalarToVector256(x1 + t);
                c10 = Fma.MultiplyAdd(x, b0, c10);
                c11 = Fma.MultiplyAdd(x, b1, c11);
                x = Avx.BroadcastScalarToVector256(x2 + t);
                c20 = Fma.MultiplyAdd(x, b0, c20);
                c21 = Fma.MultiplyAdd(x, b1, c21);
                x = Avx.BroadcastScalarToVector256(x3 + t);
                c30 = Fma.MultiplyAdd(x, b0, c30);
                c31 = Fma.MultiplyAdd(x, b1, c31);
                x = Avx.BroadcastScalarToVector256(x4 + t);
                c40 = Fma.MultiplyAdd(x, b0, c40);
                c41 = Fma.MultiplyAdd(x, b1, c41);
                x = Avx.BroadcastScalarToVector256(x5 + t);
                c50 = Fma.MultiplyAdd(x, b0, c50);
                c51 = Fma.MultiplyAdd(x, b1, c51);
            }
        }
        // As in TileFma: accumulators go to memory before any call.
        float* acc = stackalloc float[Rows * Cols];
        Avx.Store(acc, c00);
        Avx.Store(acc + 8, c01);
        Avx.Store(acc + 16, c10);
        Avx.Store(acc + 24, c11);
        Avx.Store(acc + 32, c20);
        Avx.Store(acc + 40, c21);
        Avx.Store(acc + 48, c30);
        Avx.Store(acc + 56, c31);
        Avx.Store(acc + 64, c40);
        Avx.Store(acc + 72, c41);
        Avx.Store(acc + 80, c50);
        Avx.Store(acc + 88, c51);
        for (int r = 0; r < count; r++)
        {
            Store(c + r * ldc, cols, acc + r * Cols, bias, accumulate, relu);
        }
    }

    // The portable SegmentTile: one row over Vector128.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SegmentRowPortable(float* a, int* offsets, int segments, int length, float* b, float* c, int cols, float* bias, bool accumulate, bool relu)
    {
        Vector128<float> s0 = Vector128<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
        for (int s = 0; s < segments; s++)
        {
            float* x = a + offsets[s];
            for (int t = 0; t < length; t++, b += Cols)
            {
                Vector128<float> v = Vector128.Create(x[t]);
                s0 += v * Vector128.Load(b);
                s1 += v * Vector128.Load(b + 4);
                s2 += v * Vector128.Load(b + 8);
                s3 += v * Vector128.Load(b + 12);
            }
        }
        float* tmp = stackalloc float[Cols];
        (s0 + Vector128.Load(bias)).Store(tmp);
        (s1 + Vector128.Load(bias + 4)).Store(tmp + 4);
        (s2 + Vector128.Load(bias + 8)).Store(tmp + 8);
        (s3 + Vector128.Load(bias + 12)).Store(tmp + 12);
        Finish(c, cols, tmp, accumulate, relu);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        // Accumulators go to memory before any call: all ymm registers are caller-saved, and values live across a
        // call made the register allocator spill them inside the loop, on every FMA.
        float* acc = stackalloc float[Rows * Cols];
        Avx.Store(acc, c00);
        Avx.Store(acc + 8, c01);
        Avx.Store(acc + 16, c10);
        Avx.Store(acc + 24, c11);
        Avx.Store(acc + 32, c20);
        Avx.Store(acc + 40, c21);
        Avx.Store(acc + 48, c30);
        Avx.Store(acc + 56, c31);
        Avx.Store(acc + 64, c40);
        Avx.Store(acc + 72, c41);
        Avx.Store(acc + 80, c50);
        Avx.Store(acc + 88, c51);
        for (int r = 0; r < rows; r++)
        {
            Store(c + r * ldc, cols, acc + r * Cols, bias, accumulate, relu);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        float* acc = stackalloc float[Cols * RowPanels];
        Avx.Store(acc, s0);
        Avx.Store(acc + 8, s1);
        Avx.Store(acc + 16, s2);
        Avx.Store(acc + 24, s3);
        Avx.Store(acc + 32, s4);
        Avx.Store(acc + 40, s5);
        Avx.Store(acc + 48, s6);
        Avx.Store(acc + 56, s7);
        for (int q = 0; q < RowPanels; q++)
        {
            Store(c + q * Cols, Math.Min(Cols, cols - q * Cols), acc + q * Cols, bias + q * Cols, accumulate, relu);
        }
    }

    // c[j] = [c[j] +] values[j] + bias[j], then ReLU, for j < cols ≤ 16.
    private static void Store(float* c, int cols, float* values, float* bias, bool accumulate, bool relu)
    {
        if (cols == Cols)
        {
            Vector256<float> v0 = Avx.Add(Avx.LoadVector256(values), Avx.LoadVector256(bias));
            Vector256<float> v1 = Avx.Add(Avx.LoadVector256(values + 8), Avx.LoadVector256(bias + 8));
            if (accumulate)
            {
                v0 = Avx.Add(v0, Avx.LoadVector256(c));
                v1 = Avx.Add(v1, Avx.LoadVector256(c + 8));
            }
            if (relu)
            {
                v0 = Avx.Max(Vector256<float>.Zero, v0); // vmaxps returns its second operand for NaN, as relu(NaN) = NaN
                v1 = Avx.Max(Vector256<float>.Zero, v1);
            }
            Avx.Store(c, v0);
            Avx.Store(c + 8, v1);
            return;
        }
        for (int j = 0; j < cols; j++)
        {
            values[j] += bias[j];
        }
        Finish(c, cols, values, accumulate, relu);
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
