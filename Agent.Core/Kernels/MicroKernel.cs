using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AgentRnn.Core.Kernels;

/// <summary>
/// Register-blocked GEMM tiles over packed B panels, one set per <see cref="IsaLevel"/>.
/// Operands: B element (p, j) of panel q at b + q·panelStride + p·16 + j (panels of 16 columns, zero-padded);
/// C element (r, j) at c + r·ldc + j; bias holds 16 floats per panel. Epilogue: c = [c +] (acc + bias[j]), then ReLU.
/// A is read as segments (<see cref="SegmentTile"/>): a plain row-major A is one segment of k floats per row.
/// Per level, one tile is 6 rows × <see cref="TilePanels"/> panels:
/// Vector512 6 × 64 (24 zmm accumulators), Vector256 6 × 16 (12 ymm), Vector128 two rows at a time × 16 (8 xmm, which
/// fits SSE's 16 registers; NEON has 32), scalar one row. Each output sums its k products in order (the one-row GEMV
/// kernels in two interleaved halves), so results do not depend on how work is split over threads.
/// Hot methods are AggressiveOptimization: tiered compilation left these long-running loops in unoptimized tier-0
/// code (about 2.5× slower), since each call runs long and the calls are few.
/// </summary>
[SkipLocalsInit]
internal static unsafe class MicroKernel
{
    /// <summary>Rows of C per tile (MR).</summary>
    internal const int Rows = 6;

    /// <summary>Columns of C per panel (NR): one Vector512, two Vector256.</summary>
    internal const int Cols = 16;

    /// <summary>Panels the one-row kernel covers at once (its accumulators hide the FMA latency).</summary>
    internal const int RowPanels = 4;

    /// <summary>Panels one tile covers at <paramref name="isa"/>.</summary>
    internal static int TilePanels(IsaLevel isa) => isa == IsaLevel.Vector512 ? RowPanels : 1;

    /// <summary>C(rows, cols) [+]= A(rows, k) · B[:, :cols] + bias; rows ≤ 6, cols ≤ 16·<see cref="TilePanels"/>; A row r at a + r·lda.</summary>
    internal static void Tile(IsaLevel isa, float* a, nint lda, int rows, float* b, nint panelStride, int k, float* c, nint ldc, int cols, float* bias, bool accumulate, bool relu)
    {
        float** origins = stackalloc float*[Rows];
        for (int r = 0; r < rows; r++)
        {
            origins[r] = a + r * lda;
        }
        int offset = 0;
        SegmentTile(isa, origins, rows, &offset, 1, k, b, panelStride, c, ldc, cols, bias, accumulate, relu);
    }

    /// <summary>
    /// A tile whose A is read in place, e.g. from a convolution's input instead of a gathered patch matrix:
    /// A(r, s·length + t) = rows[r][offsets[s] + t] for s &lt; segments, t &lt; length. Each segment is one contiguous run
    /// of the input (a kernel row of one channel in NCHW, of all channels in NHWC); rows[r] is output pixel r's
    /// receptive-field origin. B, C, bias and the epilogue as <see cref="Tile"/>; count ≤ 6 rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SegmentTile(IsaLevel isa, float** rows, int count, int* offsets, int segments, int length, float* b, nint panelStride, float* c, nint ldc, int cols, float* bias, bool accumulate, bool relu)
    {
        switch (isa)
        {
            case IsaLevel.Vector512:
                for (int q = 0; q * Cols < cols;)
                {
                    int left = (cols - q * Cols + Cols - 1) / Cols;
                    float* bq = b + q * panelStride;
                    float* cq = c + q * Cols;
                    if (left >= 4)
                    {
                        Segment512x4(rows, count, offsets, segments, length, bq, panelStride, cq, ldc, cols - q * Cols, bias + q * Cols, accumulate, relu);
                        q += 4;
                    }
                    else if (left >= 2)
                    {
                        Segment512x2(rows, count, offsets, segments, length, bq, panelStride, cq, ldc, cols - q * Cols, bias + q * Cols, accumulate, relu);
                        q += 2;
                    }
                    else
                    {
                        Segment512x1(rows, count, offsets, segments, length, bq, panelStride, cq, ldc, cols - q * Cols, bias + q * Cols, accumulate, relu);
                        q++;
                    }
                }
                return;
            case IsaLevel.Vector256:
                Segment256(rows, count, offsets, segments, length, b, c, ldc, cols, bias, accumulate, relu);
                return;
            case IsaLevel.Vector128:
                for (int r = 0; r < count; r += 2)
                {
                    Segment128(rows[r], count > r + 1 ? rows[r + 1] : null, offsets, segments, length, b, c + r * ldc, ldc, cols, bias, accumulate, relu);
                }
                return;
            default:
                for (int r = 0; r < count; r++)
                {
                    SegmentScalar(rows[r], offsets, segments, length, b, c + r * ldc, cols, bias, accumulate, relu);
                }
                return;
        }
    }

    /// <summary>
    /// One row of C over up to four panels: c(cols) [+]= a(k) · B + bias, cols ≤ 64; panel q starts at b + q·panelStride.
    /// The GEMV shape of a batch-1 linear layer, where a 6-row tile would waste five rows of work.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Row(IsaLevel isa, float* a, float* b, nint panelStride, int k, float* c, int cols, float* bias, bool accumulate, bool relu)
    {
        if (isa == IsaLevel.Vector512 && cols > Cols * (RowPanels - 1))
        {
            Row512x4(a, b, panelStride, k, c, cols, bias, accumulate, relu);
            return;
        }
        if (isa == IsaLevel.Vector256 && cols > Cols * (RowPanels - 1))
        {
            Row256x4(a, b, panelStride, k, c, cols, bias, accumulate, relu);
            return;
        }
        for (int q = 0; q * Cols < cols; q++)
        {
            float* bq = b + q * panelStride;
            float* cq = c + q * Cols;
            int width = Math.Min(Cols, cols - q * Cols);
            switch (isa)
            {
                case IsaLevel.Vector512:
                    Row512x1(a, bq, k, cq, width, bias + q * Cols, accumulate, relu);
                    break;
                case IsaLevel.Vector256:
                    Row256x1(a, bq, k, cq, width, bias + q * Cols, accumulate, relu);
                    break;
                case IsaLevel.Vector128:
                    Row128(a, bq, k, cq, width, bias + q * Cols, accumulate, relu);
                    break;
                default:
                    RowScalar(a, bq, k, cq, width, bias + q * Cols, accumulate, relu);
                    break;
            }
        }
    }


    /// <summary>
    /// <see cref="Row"/> over bfloat16 panels (same layout, half the bytes): each weight is widened to float32 in a register
    /// as it is loaded, then multiplied as in the float32 kernel of the same level, in the same order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void RowHalf(IsaLevel isa, float* a, ushort* b, nint panelStride, int k, float* c, int cols, float* bias, bool accumulate, bool relu)
    {
        if (isa == IsaLevel.Vector512 && cols > Cols * (RowPanels - 1))
        {
            RowHalf512x4(a, b, panelStride, k, c, cols, bias, accumulate, relu);
            return;
        }
        if (isa == IsaLevel.Vector256 && cols > Cols * (RowPanels - 1))
        {
            RowHalf256x4(a, b, panelStride, k, c, cols, bias, accumulate, relu);
            return;
        }
        for (int q = 0; q * Cols < cols; q++)
        {
            ushort* bq = b + q * panelStride;
            float* cq = c + q * Cols;
            int width = Math.Min(Cols, cols - q * Cols);
            switch (isa)
            {
                case IsaLevel.Vector512:
                    RowHalf512x1(a, bq, k, cq, width, bias + q * Cols, accumulate, relu);
                    break;
                case IsaLevel.Vector256:
                    RowHalf256x1(a, bq, k, cq, width, bias + q * Cols, accumulate, relu);
                    break;
                case IsaLevel.Vector128:
                    RowHalf128(a, bq, k, cq, width, bias + q * Cols, accumulate, relu);
                    break;
                default:
                    RowHalfScalar(a, bq, k, cq, width, bias + q * Cols, accumulate, relu);
                    break;
            }
        }
    }

    // 6 rows × 4 panel(s): 24 zmm accumulators, 4 B vectors and a broadcast.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Segment512x4(float** rows, int count, int* offsets, int segments, int length, float* b, nint panelStride, float* c, nint ldc, int cols, float* bias, bool accumulate, bool relu)
    {
        float* a0 = rows[0];
        float* a1 = count > 1 ? rows[1] : a0;
        float* a2 = count > 2 ? rows[2] : a1;
        float* a3 = count > 3 ? rows[3] : a2;
        float* a4 = count > 4 ? rows[4] : a3;
        float* a5 = count > 5 ? rows[5] : a4;
        float* b1 = b + panelStride;
        float* b2 = b + 2 * panelStride;
        float* b3 = b + 3 * panelStride;
        Vector512<float> c00 = default, c01 = default, c02 = default, c03 = default, c10 = default, c11 = default, c12 = default, c13 = default, c20 = default, c21 = default, c22 = default, c23 = default, c30 = default, c31 = default, c32 = default, c33 = default, c40 = default, c41 = default, c42 = default, c43 = default, c50 = default, c51 = default, c52 = default, c53 = default;
        for (int s = 0; s < segments; s++)
        {
            nint o = offsets[s];
            float* x0 = a0 + o, x1 = a1 + o, x2 = a2 + o, x3 = a3 + o, x4 = a4 + o, x5 = a5 + o;
            for (nint t = 0; t < length; t++)
            {
                nint at = t * Cols;
                Vector512<float> w0 = Vector512.Load(b + at);
                Vector512<float> w1 = Vector512.Load(b1 + at);
                Vector512<float> w2 = Vector512.Load(b2 + at);
                Vector512<float> w3 = Vector512.Load(b3 + at);
                Vector512<float> x = Vector512.Create(x0[t]);
                c00 = Simd.MulAdd(x, w0, c00);
                c01 = Simd.MulAdd(x, w1, c01);
                c02 = Simd.MulAdd(x, w2, c02);
                c03 = Simd.MulAdd(x, w3, c03);
                x = Vector512.Create(x1[t]);
                c10 = Simd.MulAdd(x, w0, c10);
                c11 = Simd.MulAdd(x, w1, c11);
                c12 = Simd.MulAdd(x, w2, c12);
                c13 = Simd.MulAdd(x, w3, c13);
                x = Vector512.Create(x2[t]);
                c20 = Simd.MulAdd(x, w0, c20);
                c21 = Simd.MulAdd(x, w1, c21);
                c22 = Simd.MulAdd(x, w2, c22);
                c23 = Simd.MulAdd(x, w3, c23);
                x = Vector512.Create(x3[t]);
                c30 = Simd.MulAdd(x, w0, c30);
                c31 = Simd.MulAdd(x, w1, c31);
                c32 = Simd.MulAdd(x, w2, c32);
                c33 = Simd.MulAdd(x, w3, c33);
                x = Vector512.Create(x4[t]);
                c40 = Simd.MulAdd(x, w0, c40);
                c41 = Simd.MulAdd(x, w1, c41);
                c42 = Simd.MulAdd(x, w2, c42);
                c43 = Simd.MulAdd(x, w3, c43);
                x = Vector512.Create(x5[t]);
                c50 = Simd.MulAdd(x, w0, c50);
                c51 = Simd.MulAdd(x, w1, c51);
                c52 = Simd.MulAdd(x, w2, c52);
                c53 = Simd.MulAdd(x, w3, c53);
            }
            b += length * Cols;
            b1 += length * Cols;
            b2 += length * Cols;
            b3 += length * Cols;
        }
        Put(c, cols, c00, bias, accumulate, relu);
        Put(c + 16, cols - 16, c01, bias + 16, accumulate, relu);
        Put(c + 32, cols - 32, c02, bias + 32, accumulate, relu);
        Put(c + 48, cols - 48, c03, bias + 48, accumulate, relu);
        if (count > 1)
        {
            Put(c + 1 * ldc, cols, c10, bias, accumulate, relu);
            Put(c + 1 * ldc + 16, cols - 16, c11, bias + 16, accumulate, relu);
            Put(c + 1 * ldc + 32, cols - 32, c12, bias + 32, accumulate, relu);
            Put(c + 1 * ldc + 48, cols - 48, c13, bias + 48, accumulate, relu);
        }
        if (count > 2)
        {
            Put(c + 2 * ldc, cols, c20, bias, accumulate, relu);
            Put(c + 2 * ldc + 16, cols - 16, c21, bias + 16, accumulate, relu);
            Put(c + 2 * ldc + 32, cols - 32, c22, bias + 32, accumulate, relu);
            Put(c + 2 * ldc + 48, cols - 48, c23, bias + 48, accumulate, relu);
        }
        if (count > 3)
        {
            Put(c + 3 * ldc, cols, c30, bias, accumulate, relu);
            Put(c + 3 * ldc + 16, cols - 16, c31, bias + 16, accumulate, relu);
            Put(c + 3 * ldc + 32, cols - 32, c32, bias + 32, accumulate, relu);
            Put(c + 3 * ldc + 48, cols - 48, c33, bias + 48, accumulate, relu);
        }
        if (count > 4)
        {
            Put(c + 4 * ldc, cols, c40, bias, accumulate, relu);
            Put(c + 4 * ldc + 16, cols - 16, c41, bias + 16, accumulate, relu);
            Put(c + 4 * ldc + 32, cols - 32, c42, bias + 32, accumulate, relu);
            Put(c + 4 * ldc + 48, cols - 48, c43, bias + 48, accumulate, relu);
        }
        if (count > 5)
        {
            Put(c + 5 * ldc, cols, c50, bias, accumulate, relu);
            Put(c + 5 * ldc + 16, cols - 16, c51, bias + 16, accumulate, relu);
            Put(c + 5 * ldc + 32, cols - 32, c52, bias + 32, accumulate, relu);
            Put(c + 5 * ldc + 48, cols - 48, c53, bias + 48, accumulate, relu);
        }
    }

    // 6 rows × 2 panel(s): 12 zmm accumulators, 2 B vectors and a broadcast.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Segment512x2(float** rows, int count, int* offsets, int segments, int length, float* b, nint panelStride, float* c, nint ldc, int cols, float* bias, bool accumulate, bool relu)
    {
        float* a0 = rows[0];
        float* a1 = count > 1 ? rows[1] : a0;
        float* a2 = count > 2 ? rows[2] : a1;
        float* a3 = count > 3 ? rows[3] : a2;
        float* a4 = count > 4 ? rows[4] : a3;
        float* a5 = count > 5 ? rows[5] : a4;
        float* b1 = b + panelStride;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int s = 0; s < segments; s++)
        {
            nint o = offsets[s];
            float* x0 = a0 + o, x1 = a1 + o, x2 = a2 + o, x3 = a3 + o, x4 = a4 + o, x5 = a5 + o;
            for (nint t = 0; t < length; t++)
            {
                nint at = t * Cols;
                Vector512<float> w0 = Vector512.Load(b + at);
                Vector512<float> w1 = Vector512.Load(b1 + at);
                Vector512<float> x = Vector512.Create(x0[t]);
                c00 = Simd.MulAdd(x, w0, c00);
                c01 = Simd.MulAdd(x, w1, c01);
                x = Vector512.Create(x1[t]);
                c10 = Simd.MulAdd(x, w0, c10);
                c11 = Simd.MulAdd(x, w1, c11);
                x = Vector512.Create(x2[t]);
                c20 = Simd.MulAdd(x, w0, c20);
                c21 = Simd.MulAdd(x, w1, c21);
                x = Vector512.Create(x3[t]);
                c30 = Simd.MulAdd(x, w0, c30);
                c31 = Simd.MulAdd(x, w1, c31);
                x = Vector512.Create(x4[t]);
                c40 = Simd.MulAdd(x, w0, c40);
                c41 = Simd.MulAdd(x, w1, c41);
                x = Vector512.Create(x5[t]);
                c50 = Simd.MulAdd(x, w0, c50);
                c51 = Simd.MulAdd(x, w1, c51);
            }
            b += length * Cols;
            b1 += length * Cols;
        }
        Put(c, cols, c00, bias, accumulate, relu);
        Put(c + 16, cols - 16, c01, bias + 16, accumulate, relu);
        if (count > 1)
        {
            Put(c + 1 * ldc, cols, c10, bias, accumulate, relu);
            Put(c + 1 * ldc + 16, cols - 16, c11, bias + 16, accumulate, relu);
        }
        if (count > 2)
        {
            Put(c + 2 * ldc, cols, c20, bias, accumulate, relu);
            Put(c + 2 * ldc + 16, cols - 16, c21, bias + 16, accumulate, relu);
        }
        if (count > 3)
        {
            Put(c + 3 * ldc, cols, c30, bias, accumulate, relu);
            Put(c + 3 * ldc + 16, cols - 16, c31, bias + 16, accumulate, relu);
        }
        if (count > 4)
        {
            Put(c + 4 * ldc, cols, c40, bias, accumulate, relu);
            Put(c + 4 * ldc + 16, cols - 16, c41, bias + 16, accumulate, relu);
        }
        if (count > 5)
        {
            Put(c + 5 * ldc, cols, c50, bias, accumulate, relu);
            Put(c + 5 * ldc + 16, cols - 16, c51, bias + 16, accumulate, relu);
        }
    }

    // 6 rows × 1 panel(s): 6 zmm accumulators, 1 B vectors and a broadcast.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Segment512x1(float** rows, int count, int* offsets, int segments, int length, float* b, nint panelStride, float* c, nint ldc, int cols, float* bias, bool accumulate, bool relu)
    {
        float* a0 = rows[0];
        float* a1 = count > 1 ? rows[1] : a0;
        float* a2 = count > 2 ? rows[2] : a1;
        float* a3 = count > 3 ? rows[3] : a2;
        float* a4 = count > 4 ? rows[4] : a3;
        float* a5 = count > 5 ? rows[5] : a4;
        Vector512<float> c00 = default, c10 = default, c20 = default, c30 = default, c40 = default, c50 = default;
        for (int s = 0; s < segments; s++)
        {
            nint o = offsets[s];
            float* x0 = a0 + o, x1 = a1 + o, x2 = a2 + o, x3 = a3 + o, x4 = a4 + o, x5 = a5 + o;
            for (nint t = 0; t < length; t++)
            {
                nint at = t * Cols;
                Vector512<float> w0 = Vector512.Load(b + at);
                Vector512<float> x = Vector512.Create(x0[t]);
                c00 = Simd.MulAdd(x, w0, c00);
                x = Vector512.Create(x1[t]);
                c10 = Simd.MulAdd(x, w0, c10);
                x = Vector512.Create(x2[t]);
                c20 = Simd.MulAdd(x, w0, c20);
                x = Vector512.Create(x3[t]);
                c30 = Simd.MulAdd(x, w0, c30);
                x = Vector512.Create(x4[t]);
                c40 = Simd.MulAdd(x, w0, c40);
                x = Vector512.Create(x5[t]);
                c50 = Simd.MulAdd(x, w0, c50);
            }
            b += length * Cols;
        }
        Put(c, cols, c00, bias, accumulate, relu);
        if (count > 1)
        {
            Put(c + 1 * ldc, cols, c10, bias, accumulate, relu);
        }
        if (count > 2)
        {
            Put(c + 2 * ldc, cols, c20, bias, accumulate, relu);
        }
        if (count > 3)
        {
            Put(c + 3 * ldc, cols, c30, bias, accumulate, relu);
        }
        if (count > 4)
        {
            Put(c + 4 * ldc, cols, c40, bias, accumulate, relu);
        }
        if (count > 5)
        {
            Put(c + 5 * ldc, cols, c50, bias, accumulate, relu);
        }
    }

    // 6 rows × 16 columns: 12 ymm accumulators, 2 B vectors and a broadcast (15 of AVX2's 16 registers).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Segment256(float** rows, int count, int* offsets, int segments, int length, float* b, float* c, nint ldc, int cols, float* bias, bool accumulate, bool relu)
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
                Vector256<float> w0 = Vector256.Load(b);
                Vector256<float> w1 = Vector256.Load(b + 8);
                b += Cols;
                Vector256<float> x = Vector256.Create(x0[t]);
                c00 = Simd.MulAdd(x, w0, c00);
                c01 = Simd.MulAdd(x, w1, c01);
                x = Vector256.Create(x1[t]);
                c10 = Simd.MulAdd(x, w0, c10);
                c11 = Simd.MulAdd(x, w1, c11);
                x = Vector256.Create(x2[t]);
                c20 = Simd.MulAdd(x, w0, c20);
                c21 = Simd.MulAdd(x, w1, c21);
                x = Vector256.Create(x3[t]);
                c30 = Simd.MulAdd(x, w0, c30);
                c31 = Simd.MulAdd(x, w1, c31);
                x = Vector256.Create(x4[t]);
                c40 = Simd.MulAdd(x, w0, c40);
                c41 = Simd.MulAdd(x, w1, c41);
                x = Vector256.Create(x5[t]);
                c50 = Simd.MulAdd(x, w0, c50);
                c51 = Simd.MulAdd(x, w1, c51);
            }
        }
        // The epilogue stays in registers and makes no call: values live across a call are spilled by the register
        // allocator inside the loop, on every FMA (all vector registers are caller-saved).
        Put(c, cols, c00, bias, accumulate, relu);
        Put(c + 8, cols - 8, c01, bias + 8, accumulate, relu);
        if (count > 1)
        {
            Put(c + ldc, cols, c10, bias, accumulate, relu);
            Put(c + ldc + 8, cols - 8, c11, bias + 8, accumulate, relu);
        }
        if (count > 2)
        {
            Put(c + 2 * ldc, cols, c20, bias, accumulate, relu);
            Put(c + 2 * ldc + 8, cols - 8, c21, bias + 8, accumulate, relu);
        }
        if (count > 3)
        {
            Put(c + 3 * ldc, cols, c30, bias, accumulate, relu);
            Put(c + 3 * ldc + 8, cols - 8, c31, bias + 8, accumulate, relu);
        }
        if (count > 4)
        {
            Put(c + 4 * ldc, cols, c40, bias, accumulate, relu);
            Put(c + 4 * ldc + 8, cols - 8, c41, bias + 8, accumulate, relu);
        }
        if (count > 5)
        {
            Put(c + 5 * ldc, cols, c50, bias, accumulate, relu);
            Put(c + 5 * ldc + 8, cols - 8, c51, bias + 8, accumulate, relu);
        }
    }

    // Two rows × 16 columns (a1 null: one row): 8 accumulators, 4 B vectors and a broadcast.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Segment128(float* a0, float* a1, int* offsets, int segments, int length, float* b, float* c, nint ldc, int cols, float* bias, bool accumulate, bool relu)
    {
        float* second = a1 == null ? a0 : a1;
        Vector128<float> s00 = default, s01 = default, s02 = default, s03 = default, s10 = default, s11 = default, s12 = default, s13 = default;
        for (int s = 0; s < segments; s++)
        {
            float* x0 = a0 + offsets[s];
            float* x1 = second + offsets[s];
            for (nint t = 0; t < length; t++, b += Cols)
            {
                Vector128<float> w0 = Vector128.Load(b);
                Vector128<float> w1 = Vector128.Load(b + 4);
                Vector128<float> w2 = Vector128.Load(b + 8);
                Vector128<float> w3 = Vector128.Load(b + 12);
                Vector128<float> x = Vector128.Create(x0[t]);
                s00 = Simd.MulAdd(x, w0, s00);
                s01 = Simd.MulAdd(x, w1, s01);
                s02 = Simd.MulAdd(x, w2, s02);
                s03 = Simd.MulAdd(x, w3, s03);
                x = Vector128.Create(x1[t]);
                s10 = Simd.MulAdd(x, w0, s10);
                s11 = Simd.MulAdd(x, w1, s11);
                s12 = Simd.MulAdd(x, w2, s12);
                s13 = Simd.MulAdd(x, w3, s13);
            }
        }
        Put(c, cols, s00, bias, accumulate, relu);
        Put(c + 4, cols - 4, s01, bias + 4, accumulate, relu);
        Put(c + 8, cols - 8, s02, bias + 8, accumulate, relu);
        Put(c + 12, cols - 12, s03, bias + 12, accumulate, relu);
        if (a1 != null)
        {
            Put(c + ldc, cols, s10, bias, accumulate, relu);
            Put(c + ldc + 4, cols - 4, s11, bias + 4, accumulate, relu);
            Put(c + ldc + 8, cols - 8, s12, bias + 8, accumulate, relu);
            Put(c + ldc + 12, cols - 12, s13, bias + 12, accumulate, relu);
        }
    }

    // One row × 16 columns in plain floats: where the runtime accelerates no vectors.
    private static void SegmentScalar(float* a, int* offsets, int segments, int length, float* b, float* c, int cols, float* bias, bool accumulate, bool relu)
    {
        float* acc = stackalloc float[Cols];
        new Span<float>(acc, Cols).Clear();
        for (int s = 0; s < segments; s++)
        {
            float* x = a + offsets[s];
            for (int t = 0; t < length; t++, b += Cols)
            {
                float v = x[t];
                for (int j = 0; j < Cols; j++)
                {
                    acc[j] += v * b[j];
                }
            }
        }
        for (int j = 0; j < cols; j++)
        {
            c[j] = Finish(acc[j] + bias[j], c[j], accumulate, relu);
        }
    }

    // One row × 4 panels: the k products split into even and odd halves (8 zmm accumulators) to hide the FMA latency.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row512x4(float* a, float* b, nint panelStride, int k, float* c, int cols, float* bias, bool accumulate, bool relu)
    {
        float* p0 = b;
        float* p1 = b + panelStride;
        float* p2 = b + 2 * panelStride;
        float* p3 = b + 3 * panelStride;
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, t0 = default, t1 = default, t2 = default, t3 = default;
        nint p = 0;
        for (; p + 1 < k; p += 2)
        {
            nint o = p * Cols;
            Vector512<float> x = Vector512.Create(a[p]);
            Vector512<float> y = Vector512.Create(a[p + 1]);
            s0 = Simd.MulAdd(x, Vector512.Load(p0 + o), s0);
            s1 = Simd.MulAdd(x, Vector512.Load(p1 + o), s1);
            s2 = Simd.MulAdd(x, Vector512.Load(p2 + o), s2);
            s3 = Simd.MulAdd(x, Vector512.Load(p3 + o), s3);
            t0 = Simd.MulAdd(y, Vector512.Load(p0 + o + Cols), t0);
            t1 = Simd.MulAdd(y, Vector512.Load(p1 + o + Cols), t1);
            t2 = Simd.MulAdd(y, Vector512.Load(p2 + o + Cols), t2);
            t3 = Simd.MulAdd(y, Vector512.Load(p3 + o + Cols), t3);
        }
        if (p < k)
        {
            nint o = p * Cols;
            Vector512<float> x = Vector512.Create(a[p]);
            s0 = Simd.MulAdd(x, Vector512.Load(p0 + o), s0);
            s1 = Simd.MulAdd(x, Vector512.Load(p1 + o), s1);
            s2 = Simd.MulAdd(x, Vector512.Load(p2 + o), s2);
            s3 = Simd.MulAdd(x, Vector512.Load(p3 + o), s3);
        }
        Put(c, cols, s0 + t0, bias, accumulate, relu);
        Put(c + 16, cols - 16, s1 + t1, bias + 16, accumulate, relu);
        Put(c + 32, cols - 32, s2 + t2, bias + 32, accumulate, relu);
        Put(c + 48, cols - 48, s3 + t3, bias + 48, accumulate, relu);
    }

    // One row × 1 panel, in the same even/odd order as Row512x4.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row512x1(float* a, float* b, int k, float* c, int cols, float* bias, bool accumulate, bool relu)
    {
        Vector512<float> s = default, t = default;
        nint p = 0;
        for (; p + 1 < k; p += 2)
        {
            s = Simd.MulAdd(Vector512.Create(a[p]), Vector512.Load(b + p * Cols), s);
            t = Simd.MulAdd(Vector512.Create(a[p + 1]), Vector512.Load(b + (p + 1) * Cols), t);
        }
        if (p < k)
        {
            s = Simd.MulAdd(Vector512.Create(a[p]), Vector512.Load(b + p * Cols), s);
        }
        Put(c, cols, s + t, bias, accumulate, relu);
    }

    // One row × 4 panels: 8 ymm accumulators.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row256x4(float* a, float* b, nint panelStride, int k, float* c, int cols, float* bias, bool accumulate, bool relu)
    {
        float* p0 = b;
        float* p1 = b + panelStride;
        float* p2 = b + 2 * panelStride;
        float* p3 = b + 3 * panelStride;
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        for (nint p = 0; p < k; p++)
        {
            Vector256<float> x = Vector256.Create(a[p]);
            nint o = p * Cols;
            s0 = Simd.MulAdd(x, Vector256.Load(p0 + o), s0);
            s1 = Simd.MulAdd(x, Vector256.Load(p0 + o + 8), s1);
            s2 = Simd.MulAdd(x, Vector256.Load(p1 + o), s2);
            s3 = Simd.MulAdd(x, Vector256.Load(p1 + o + 8), s3);
            s4 = Simd.MulAdd(x, Vector256.Load(p2 + o), s4);
            s5 = Simd.MulAdd(x, Vector256.Load(p2 + o + 8), s5);
            s6 = Simd.MulAdd(x, Vector256.Load(p3 + o), s6);
            s7 = Simd.MulAdd(x, Vector256.Load(p3 + o + 8), s7);
        }
        Put(c, cols, s0, bias, accumulate, relu);
        Put(c + 8, cols - 8, s1, bias + 8, accumulate, relu);
        Put(c + 16, cols - 16, s2, bias + 16, accumulate, relu);
        Put(c + 24, cols - 24, s3, bias + 24, accumulate, relu);
        Put(c + 32, cols - 32, s4, bias + 32, accumulate, relu);
        Put(c + 40, cols - 40, s5, bias + 40, accumulate, relu);
        Put(c + 48, cols - 48, s6, bias + 48, accumulate, relu);
        Put(c + 56, cols - 56, s7, bias + 56, accumulate, relu);
    }

    // One row × 1 panel, in the same order as Row256x4.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row256x1(float* a, float* b, int k, float* c, int cols, float* bias, bool accumulate, bool relu)
    {
        Vector256<float> s0 = default, s1 = default;
        for (nint p = 0; p < k; p++)
        {
            Vector256<float> x = Vector256.Create(a[p]);
            s0 = Simd.MulAdd(x, Vector256.Load(b + p * Cols), s0);
            s1 = Simd.MulAdd(x, Vector256.Load(b + p * Cols + 8), s1);
        }
        Put(c, cols, s0, bias, accumulate, relu);
        Put(c + 8, cols - 8, s1, bias + 8, accumulate, relu);
    }

    // One row × 1 panel: even and odd products in separate accumulators (8 xmm).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row128(float* a, float* b, int k, float* c, int cols, float* bias, bool accumulate, bool relu)
    {
        Vector128<float> s0 = default, s1 = default, s2 = default, s3 = default, t0 = default, t1 = default, t2 = default, t3 = default;
        nint p = 0;
        for (; p + 1 < k; p += 2)
        {
            float* w = b + p * Cols;
            Vector128<float> x = Vector128.Create(a[p]);
            Vector128<float> y = Vector128.Create(a[p + 1]);
            s0 = Simd.MulAdd(x, Vector128.Load(w), s0);
            s1 = Simd.MulAdd(x, Vector128.Load(w + 4), s1);
            s2 = Simd.MulAdd(x, Vector128.Load(w + 8), s2);
            s3 = Simd.MulAdd(x, Vector128.Load(w + 12), s3);
            t0 = Simd.MulAdd(y, Vector128.Load(w + 16), t0);
            t1 = Simd.MulAdd(y, Vector128.Load(w + 20), t1);
            t2 = Simd.MulAdd(y, Vector128.Load(w + 24), t2);
            t3 = Simd.MulAdd(y, Vector128.Load(w + 28), t3);
        }
        if (p < k)
        {
            float* w = b + p * Cols;
            Vector128<float> x = Vector128.Create(a[p]);
            s0 = Simd.MulAdd(x, Vector128.Load(w), s0);
            s1 = Simd.MulAdd(x, Vector128.Load(w + 4), s1);
            s2 = Simd.MulAdd(x, Vector128.Load(w + 8), s2);
            s3 = Simd.MulAdd(x, Vector128.Load(w + 12), s3);
        }
        Put(c, cols, s0 + t0, bias, accumulate, relu);
        Put(c + 4, cols - 4, s1 + t1, bias + 4, accumulate, relu);
        Put(c + 8, cols - 8, s2 + t2, bias + 8, accumulate, relu);
        Put(c + 12, cols - 12, s3 + t3, bias + 12, accumulate, relu);
    }

    // One row × 1 panel in plain floats.
    private static void RowScalar(float* a, float* b, int k, float* c, int cols, float* bias, bool accumulate, bool relu)
    {
        for (int j = 0; j < cols; j++)
        {
            float sum = 0f;
            for (int p = 0; p < k; p++)
            {
                sum += a[p] * b[p * Cols + j];
            }
            c[j] = Finish(sum + bias[j], c[j], accumulate, relu);
        }
    }

    // Row512x4 over bfloat16 panels.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowHalf512x4(float* a, ushort* b, nint panelStride, int k, float* c, int cols, float* bias, bool accumulate, bool relu)
    {
        ushort* p0 = b;
        ushort* p1 = b + panelStride;
        ushort* p2 = b + 2 * panelStride;
        ushort* p3 = b + 3 * panelStride;
        Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, t0 = default, t1 = default, t2 = default, t3 = default;
        nint p = 0;
        for (; p + 1 < k; p += 2)
        {
            nint o = p * Cols;
            Vector512<float> x = Vector512.Create(a[p]);
            Vector512<float> y = Vector512.Create(a[p + 1]);
            s0 = Simd.MulAdd(x, BFloat16.Load512(p0 + o), s0);
            s1 = Simd.MulAdd(x, BFloat16.Load512(p1 + o), s1);
            s2 = Simd.MulAdd(x, BFloat16.Load512(p2 + o), s2);
            s3 = Simd.MulAdd(x, BFloat16.Load512(p3 + o), s3);
            t0 = Simd.MulAdd(y, BFloat16.Load512(p0 + o + Cols), t0);
            t1 = Simd.MulAdd(y, BFloat16.Load512(p1 + o + Cols), t1);
            t2 = Simd.MulAdd(y, BFloat16.Load512(p2 + o + Cols), t2);
            t3 = Simd.MulAdd(y, BFloat16.Load512(p3 + o + Cols), t3);
        }
        if (p < k)
        {
            nint o = p * Cols;
            Vector512<float> x = Vector512.Create(a[p]);
            s0 = Simd.MulAdd(x, BFloat16.Load512(p0 + o), s0);
            s1 = Simd.MulAdd(x, BFloat16.Load512(p1 + o), s1);
            s2 = Simd.MulAdd(x, BFloat16.Load512(p2 + o), s2);
            s3 = Simd.MulAdd(x, BFloat16.Load512(p3 + o), s3);
        }
        Put(c, cols, s0 + t0, bias, accumulate, relu);
        Put(c + 16, cols - 16, s1 + t1, bias + 16, accumulate, relu);
        Put(c + 32, cols - 32, s2 + t2, bias + 32, accumulate, relu);
        Put(c + 48, cols - 48, s3 + t3, bias + 48, accumulate, relu);
    }

    // Row512x1 over a bfloat16 panel.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowHalf512x1(float* a, ushort* b, int k, float* c, int cols, float* bias, bool accumulate, bool relu)
    {
        Vector512<float> s = default, t = default;
        nint p = 0;
        for (; p + 1 < k; p += 2)
        {
            s = Simd.MulAdd(Vector512.Create(a[p]), BFloat16.Load512(b + p * Cols), s);
            t = Simd.MulAdd(Vector512.Create(a[p + 1]), BFloat16.Load512(b + (p + 1) * Cols), t);
        }
        if (p < k)
        {
            s = Simd.MulAdd(Vector512.Create(a[p]), BFloat16.Load512(b + p * Cols), s);
        }
        Put(c, cols, s + t, bias, accumulate, relu);
    }

    // Row256x4 over bfloat16 panels.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowHalf256x4(float* a, ushort* b, nint panelStride, int k, float* c, int cols, float* bias, bool accumulate, bool relu)
    {
        ushort* p0 = b;
        ushort* p1 = b + panelStride;
        ushort* p2 = b + 2 * panelStride;
        ushort* p3 = b + 3 * panelStride;
        Vector256<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
        for (nint p = 0; p < k; p++)
        {
            Vector256<float> x = Vector256.Create(a[p]);
            nint o = p * Cols;
            s0 = Simd.MulAdd(x, BFloat16.Load256(p0 + o), s0);
            s1 = Simd.MulAdd(x, BFloat16.Load256(p0 + o + 8), s1);
            s2 = Simd.MulAdd(x, BFloat16.Load256(p1 + o), s2);
            s3 = Simd.MulAdd(x, BFloat16.Load256(p1 + o + 8), s3);
            s4 = Simd.MulAdd(x, BFloat16.Load256(p2 + o), s4);
            s5 = Simd.MulAdd(x, BFloat16.Load256(p2 + o + 8), s5);
            s6 = Simd.MulAdd(x, BFloat16.Load256(p3 + o), s6);
            s7 = Simd.MulAdd(x, BFloat16.Load256(p3 + o + 8), s7);
        }
        Put(c, cols, s0, bias, accumulate, relu);
        Put(c + 8, cols - 8, s1, bias + 8, accumulate, relu);
        Put(c + 16, cols - 16, s2, bias + 16, accumulate, relu);
        Put(c + 24, cols - 24, s3, bias + 24, accumulate, relu);
        Put(c + 32, cols - 32, s4, bias + 32, accumulate, relu);
        Put(c + 40, cols - 40, s5, bias + 40, accumulate, relu);
        Put(c + 48, cols - 48, s6, bias + 48, accumulate, relu);
        Put(c + 56, cols - 56, s7, bias + 56, accumulate, relu);
    }

    // Row256x1 over a bfloat16 panel.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowHalf256x1(float* a, ushort* b, int k, float* c, int cols, float* bias, bool accumulate, bool relu)
    {
        Vector256<float> s0 = default, s1 = default;
        for (nint p = 0; p < k; p++)
        {
            Vector256<float> x = Vector256.Create(a[p]);
            s0 = Simd.MulAdd(x, BFloat16.Load256(b + p * Cols), s0);
            s1 = Simd.MulAdd(x, BFloat16.Load256(b + p * Cols + 8), s1);
        }
        Put(c, cols, s0, bias, accumulate, relu);
        Put(c + 8, cols - 8, s1, bias + 8, accumulate, relu);
    }

    // Row128 over a bfloat16 panel.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowHalf128(float* a, ushort* b, int k, float* c, int cols, float* bias, bool accumulate, bool relu)
    {
        Vector128<float> s0 = default, s1 = default, s2 = default, s3 = default, t0 = default, t1 = default, t2 = default, t3 = default;
        nint p = 0;
        for (; p + 1 < k; p += 2)
        {
            ushort* w = b + p * Cols;
            Vector128<float> x = Vector128.Create(a[p]);
            Vector128<float> y = Vector128.Create(a[p + 1]);
            Vector128<ushort> h0 = Vector128.Load(w), h1 = Vector128.Load(w + 8), h2 = Vector128.Load(w + 16), h3 = Vector128.Load(w + 24);
            s0 = Simd.MulAdd(x, BFloat16.Lower(h0), s0);
            s1 = Simd.MulAdd(x, BFloat16.Upper(h0), s1);
            s2 = Simd.MulAdd(x, BFloat16.Lower(h1), s2);
            s3 = Simd.MulAdd(x, BFloat16.Upper(h1), s3);
            t0 = Simd.MulAdd(y, BFloat16.Lower(h2), t0);
            t1 = Simd.MulAdd(y, BFloat16.Upper(h2), t1);
            t2 = Simd.MulAdd(y, BFloat16.Lower(h3), t2);
            t3 = Simd.MulAdd(y, BFloat16.Upper(h3), t3);
        }
        if (p < k)
        {
            ushort* w = b + p * Cols;
            Vector128<float> x = Vector128.Create(a[p]);
            Vector128<ushort> h0 = Vector128.Load(w), h1 = Vector128.Load(w + 8);
            s0 = Simd.MulAdd(x, BFloat16.Lower(h0), s0);
            s1 = Simd.MulAdd(x, BFloat16.Upper(h0), s1);
            s2 = Simd.MulAdd(x, BFloat16.Lower(h1), s2);
            s3 = Simd.MulAdd(x, BFloat16.Upper(h1), s3);
        }
        Put(c, cols, s0 + t0, bias, accumulate, relu);
        Put(c + 4, cols - 4, s1 + t1, bias + 4, accumulate, relu);
        Put(c + 8, cols - 8, s2 + t2, bias + 8, accumulate, relu);
        Put(c + 12, cols - 12, s3 + t3, bias + 12, accumulate, relu);
    }

    // RowScalar over a bfloat16 panel.
    private static void RowHalfScalar(float* a, ushort* b, int k, float* c, int cols, float* bias, bool accumulate, bool relu)
    {
        for (int j = 0; j < cols; j++)
        {
            float sum = 0f;
            for (int p = 0; p < k; p++)
            {
                sum += a[p] * BFloat16.Widen(b[p * Cols + j]);
            }
            c[j] = Finish(sum + bias[j], c[j], accumulate, relu);
        }
    }

    // c[j] = [c[j] +] (v[j] + bias[j]), then ReLU, for j < cols (nothing when cols ≤ 0; a full vector when cols ≥ 16).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* c, int cols, Vector512<float> v, float* bias, bool accumulate, bool relu)
    {
        if (cols <= 0)
        {
            return;
        }
        v += Vector512.Load(bias);
        if (cols >= Vector512<float>.Count)
        {
            if (accumulate)
            {
                v += Vector512.Load(c);
            }
            (relu ? Simd.Relu(v) : v).Store(c);
            return;
        }
        for (int j = 0; j < cols; j++)
        {
            c[j] = Finish(v.GetElement(j), c[j], accumulate, relu);
        }
    }

    // As above for 8 columns.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* c, int cols, Vector256<float> v, float* bias, bool accumulate, bool relu)
    {
        if (cols <= 0)
        {
            return;
        }
        v += Vector256.Load(bias);
        if (cols >= Vector256<float>.Count)
        {
            if (accumulate)
            {
                v += Vector256.Load(c);
            }
            (relu ? Simd.Relu(v) : v).Store(c);
            return;
        }
        for (int j = 0; j < cols; j++)
        {
            c[j] = Finish(v.GetElement(j), c[j], accumulate, relu);
        }
    }

    // As above for 4 columns.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Put(float* c, int cols, Vector128<float> v, float* bias, bool accumulate, bool relu)
    {
        if (cols <= 0)
        {
            return;
        }
        v += Vector128.Load(bias);
        if (cols >= Vector128<float>.Count)
        {
            if (accumulate)
            {
                v += Vector128.Load(c);
            }
            (relu ? Simd.Relu(v) : v).Store(c);
            return;
        }
        for (int j = 0; j < cols; j++)
        {
            c[j] = Finish(v.GetElement(j), c[j], accumulate, relu);
        }
    }

    // One output: [old +] value, then ReLU (a comparison, not a call, so it inlines into the epilogues; NaN stays NaN).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Finish(float value, float old, bool accumulate, bool relu)
    {
        float v = accumulate ? old + value : value;
        return relu && v < 0f ? 0f : v;
    }
}
