using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace AgentRnn.Vision;

/// <summary>The per-width kernels of <see cref="AreaResizer"/>: byte transpose, horizontal taps, vertical pass.</summary>
internal sealed unsafe partial class AreaResizer
{
    /// <summary>True when the byte transpose has interleave instructions (SSE2 or AdvSimd); otherwise the scalar path runs.</summary>
    private static bool TransposeAccelerated => Sse2.IsSupported || AdvSimd.Arm64.IsSupported;

    // block[x·L + r] = rows[r][x] for x < source width. Eight columns at a time with byte, 16-bit, 32-bit (and for
    // L = 16, 64-bit) interleaves of the rows' 8-byte chunks: each 8×8 tile becomes four 16-byte stores of two columns
    // of eight rows. The columns past the last whole tile are copied one by one.
    private void Transpose(byte** rows, byte* block)
    {
        int x = 0;
        if (TransposeAccelerated)
        {
            switch (_lanes)
            {
                case 4:
                    for (; x + 8 <= _sourceWidth; x += 8)
                    {
                        Vector128<byte> a0 = Low8(Chunk(rows[0], x), Chunk(rows[1], x));
                        Vector128<byte> a1 = Low8(Chunk(rows[2], x), Chunk(rows[3], x));
                        Low16(a0, a1).Store(block + x * 4);
                        High16(a0, a1).Store(block + x * 4 + 16);
                    }
                    break;
                case 8:
                    for (; x + 8 <= _sourceWidth; x += 8)
                    {
                        Tile(rows, x, out Vector128<byte> c0, out Vector128<byte> c1, out Vector128<byte> c2, out Vector128<byte> c3);
                        byte* o = block + x * 8;
                        c0.Store(o);
                        c1.Store(o + 16);
                        c2.Store(o + 32);
                        c3.Store(o + 48);
                    }
                    break;
                case 16:
                    for (; x + 8 <= _sourceWidth; x += 8)
                    {
                        Tile(rows, x, out Vector128<byte> a0, out Vector128<byte> a1, out Vector128<byte> a2, out Vector128<byte> a3);
                        Tile(rows + 8, x, out Vector128<byte> b0, out Vector128<byte> b1, out Vector128<byte> b2, out Vector128<byte> b3);
                        byte* o = block + x * 16;
                        Low64(a0, b0).Store(o);
                        High64(a0, b0).Store(o + 16);
                        Low64(a1, b1).Store(o + 32);
                        High64(a1, b1).Store(o + 48);
                        Low64(a2, b2).Store(o + 64);
                        High64(a2, b2).Store(o + 80);
                        Low64(a3, b3).Store(o + 96);
                        High64(a3, b3).Store(o + 112);
                    }
                    break;
            }
        }
        for (; x < _sourceWidth; x++)
        {
            for (int r = 0; r < _lanes; r++)
            {
                block[x * _lanes + r] = rows[r][x];
            }
        }
    }

    // Eight rows × columns x..x+7 → c0 = columns x, x+1 (eight rows each), c1 = x+2, x+3, c2 = x+4, x+5, c3 = x+6, x+7.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Tile(byte** rows, int x, out Vector128<byte> c0, out Vector128<byte> c1, out Vector128<byte> c2, out Vector128<byte> c3)
    {
        Vector128<byte> a0 = Low8(Chunk(rows[0], x), Chunk(rows[1], x));
        Vector128<byte> a1 = Low8(Chunk(rows[2], x), Chunk(rows[3], x));
        Vector128<byte> a2 = Low8(Chunk(rows[4], x), Chunk(rows[5], x));
        Vector128<byte> a3 = Low8(Chunk(rows[6], x), Chunk(rows[7], x));
        Vector128<byte> b0 = Low16(a0, a1), b1 = High16(a0, a1), b2 = Low16(a2, a3), b3 = High16(a2, a3);
        c0 = Low32(b0, b2);
        c1 = High32(b0, b2);
        c2 = Low32(b1, b3);
        c3 = High32(b1, b3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Chunk(byte* row, int x) => Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(row + x)).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Low8(Vector128<byte> a, Vector128<byte> b) => Sse2.IsSupported ? Sse2.UnpackLow(a, b) : AdvSimd.Arm64.ZipLow(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Low16(Vector128<byte> a, Vector128<byte> b) =>
        (Sse2.IsSupported ? Sse2.UnpackLow(a.AsUInt16(), b.AsUInt16()) : AdvSimd.Arm64.ZipLow(a.AsUInt16(), b.AsUInt16())).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> High16(Vector128<byte> a, Vector128<byte> b) =>
        (Sse2.IsSupported ? Sse2.UnpackHigh(a.AsUInt16(), b.AsUInt16()) : AdvSimd.Arm64.ZipHigh(a.AsUInt16(), b.AsUInt16())).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Low32(Vector128<byte> a, Vector128<byte> b) =>
        (Sse2.IsSupported ? Sse2.UnpackLow(a.AsUInt32(), b.AsUInt32()) : AdvSimd.Arm64.ZipLow(a.AsUInt32(), b.AsUInt32())).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> High32(Vector128<byte> a, Vector128<byte> b) =>
        (Sse2.IsSupported ? Sse2.UnpackHigh(a.AsUInt32(), b.AsUInt32()) : AdvSimd.Arm64.ZipHigh(a.AsUInt32(), b.AsUInt32())).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Low64(Vector128<byte> a, Vector128<byte> b) =>
        (Sse2.IsSupported ? Sse2.UnpackLow(a.AsUInt64(), b.AsUInt64()) : AdvSimd.Arm64.ZipLow(a.AsUInt64(), b.AsUInt64())).AsByte();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> High64(Vector128<byte> a, Vector128<byte> b) =>
        (Sse2.IsSupported ? Sse2.UnpackHigh(a.AsUInt64(), b.AsUInt64()) : AdvSimd.Arm64.ZipHigh(a.AsUInt64(), b.AsUInt64())).AsByte();

    // sums[r·columns + x] = Σ_t blockFloats[(first[x] + t)·L + r] · weight[x][t], in t order, a multiply and an add per
    // tap (OpenCV rounds both). Four output columns at once, their L rows in the lanes.
    private void Horizontal(float* block, float* sums)
    {
        switch (_lanes)
        {
            case 16:
                Horizontal512(block, sums);
                break;
            case 8:
                Horizontal256(block, sums);
                break;
            default:
                Horizontal128(block, sums);
                break;
        }
    }

    private void Horizontal512(float* block, float* sums)
    {
        float* lanes = stackalloc float[16];
        fixed (float* weights = _weights)
        {
            for (int x = 0; x < _columns; x += ColumnGroup)
            {
                float* p0 = block + _first[x] * 16, p1 = block + _first[x + 1] * 16, p2 = block + _first[x + 2] * 16, p3 = block + _first[x + 3] * 16;
                float* w0 = weights + x * _taps, w1 = w0 + _taps, w2 = w1 + _taps, w3 = w2 + _taps;
                Vector512<float> s0 = Vector512<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
                for (int t = 0; t < _taps; t++)
                {
                    int o = t * 16;
                    s0 += Vector512.Load(p0 + o) * Vector512.Create(w0[t]);
                    s1 += Vector512.Load(p1 + o) * Vector512.Create(w1[t]);
                    s2 += Vector512.Load(p2 + o) * Vector512.Create(w2[t]);
                    s3 += Vector512.Load(p3 + o) * Vector512.Create(w3[t]);
                }
                Scatter(s0, lanes, sums, x);
                Scatter(s1, lanes, sums, x + 1);
                Scatter(s2, lanes, sums, x + 2);
                Scatter(s3, lanes, sums, x + 3);
            }
        }
    }

    private void Horizontal256(float* block, float* sums)
    {
        float* lanes = stackalloc float[8];
        fixed (float* weights = _weights)
        {
            for (int x = 0; x < _columns; x += ColumnGroup)
            {
                float* p0 = block + _first[x] * 8, p1 = block + _first[x + 1] * 8, p2 = block + _first[x + 2] * 8, p3 = block + _first[x + 3] * 8;
                float* w0 = weights + x * _taps, w1 = w0 + _taps, w2 = w1 + _taps, w3 = w2 + _taps;
                Vector256<float> s0 = Vector256<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
                for (int t = 0; t < _taps; t++)
                {
                    int o = t * 8;
                    s0 += Vector256.Load(p0 + o) * Vector256.Create(w0[t]);
                    s1 += Vector256.Load(p1 + o) * Vector256.Create(w1[t]);
                    s2 += Vector256.Load(p2 + o) * Vector256.Create(w2[t]);
                    s3 += Vector256.Load(p3 + o) * Vector256.Create(w3[t]);
                }
                Scatter(s0, lanes, sums, x);
                Scatter(s1, lanes, sums, x + 1);
                Scatter(s2, lanes, sums, x + 2);
                Scatter(s3, lanes, sums, x + 3);
            }
        }
    }

    private void Horizontal128(float* block, float* sums)
    {
        float* lanes = stackalloc float[4];
        fixed (float* weights = _weights)
        {
            for (int x = 0; x < _columns; x += ColumnGroup)
            {
                float* p0 = block + _first[x] * 4, p1 = block + _first[x + 1] * 4, p2 = block + _first[x + 2] * 4, p3 = block + _first[x + 3] * 4;
                float* w0 = weights + x * _taps, w1 = w0 + _taps, w2 = w1 + _taps, w3 = w2 + _taps;
                Vector128<float> s0 = Vector128<float>.Zero, s1 = s0, s2 = s0, s3 = s0;
                for (int t = 0; t < _taps; t++)
                {
                    int o = t * 4;
                    s0 += Vector128.Load(p0 + o) * Vector128.Create(w0[t]);
                    s1 += Vector128.Load(p1 + o) * Vector128.Create(w1[t]);
                    s2 += Vector128.Load(p2 + o) * Vector128.Create(w2[t]);
                    s3 += Vector128.Load(p3 + o) * Vector128.Create(w3[t]);
                }
                Scatter(s0, lanes, sums, x);
                Scatter(s1, lanes, sums, x + 1);
                Scatter(s2, lanes, sums, x + 2);
                Scatter(s3, lanes, sums, x + 3);
            }
        }
    }

    // Lane r of s (source row first + r) becomes sums[r·columns + x].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Scatter(Vector512<float> s, float* lanes, float* sums, int x)
    {
        s.Store(lanes);
        for (int r = 0; r < 16; r++)
        {
            sums[r * _columns + x] = lanes[r];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Scatter(Vector256<float> s, float* lanes, float* sums, int x)
    {
        s.Store(lanes);
        for (int r = 0; r < 8; r++)
        {
            sums[r * _columns + x] = lanes[r];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Scatter(Vector128<float> s, float* lanes, float* sums, int x)
    {
        s.Store(lanes);
        for (int r = 0; r < 4; r++)
        {
            sums[r * _columns + x] = lanes[r];
        }
    }

    // sum[x] = beta · row[x] (start) or sum[x] += beta · row[x], rounding the product, then the sum, as OpenCV does.
    private void Vertical(float* sum, float* row, float beta, bool start)
    {
        int x = 0;
        switch (_lanes)
        {
            case 16:
                var b16 = Vector512.Create(beta);
                for (; x < _columns; x += 16)
                {
                    Vector512<float> product = b16 * Vector512.Load(row + x);
                    (start ? product : Vector512.Load(sum + x) + product).Store(sum + x);
                }
                break;
            case 8:
                var b8 = Vector256.Create(beta);
                for (; x < _columns; x += 8)
                {
                    Vector256<float> product = b8 * Vector256.Load(row + x);
                    (start ? product : Vector256.Load(sum + x) + product).Store(sum + x);
                }
                break;
            default:
                var b4 = Vector128.Create(beta);
                for (; x < _columns; x += 4)
                {
                    Vector128<float> product = b4 * Vector128.Load(row + x);
                    (start ? product : Vector128.Load(sum + x) + product).Store(sum + x);
                }
                break;
        }
    }
}
