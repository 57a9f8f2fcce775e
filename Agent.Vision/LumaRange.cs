using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace AgentRnn.Vision;

/// <summary>
/// Limited-range luma (16..235) to full-range gray (0..255): round((Y − 16)·255/219), clamped, which is what swscale
/// and `ffmpeg -vf format=gray` produce from limited-range YUV. With v = clamp(Y − 16, 0, 219) that is
/// ((256·v + 110)·19077) >> 22 (the scalar form), and in 16-bit lanes mulhi(64·v + 27, 9539) >> 3, the unsigned
/// high half of a 16×16-bit product (equal to the definition for all 256 values; tested at every width). On x86 the
/// plane goes 64, 32 or 16 bytes at a time (AVX-512BW, AVX2, SSE2: a 1280×720 plane costs about 15 µs instead of
/// the 150 µs of 32-bit lanes); elsewhere in <see cref="Vector{T}"/> 32-bit lanes; a scalar tail either way.
/// </summary>
internal static class LumaRange
{
    private const uint Multiplier = 19077;
    private const int Shift = 22;
    private const uint Bias = 110;

    // The 16-bit-lane form: mulhi((v << LaneShift) + LaneBias, LaneMultiplier) >> LaneDown, v in 0..219.
    private const int LaneShift = 6;
    private const ushort LaneBias = 27;
    private const ushort LaneMultiplier = 9539;
    private const int LaneDown = 3;

    /// <summary>One value, scalar.</summary>
    public static byte Expand(byte y)
    {
        uint v = (uint)Math.Clamp(y - 16, 0, 219);
        return (byte)(((v * 256 + Bias) * Multiplier) >> Shift);
    }

    /// <summary>The widest width <see cref="Expand(ReadOnlySpan{byte}, Span{byte}, SimdWidth)"/> runs at on this CPU.</summary>
    public static SimdWidth BestWidth() =>
        Avx512BW.IsSupported && Vector512.IsHardwareAccelerated ? SimdWidth.Vector512
        : Avx2.IsSupported ? SimdWidth.Vector256
        : Sse2.IsSupported ? SimdWidth.Vector128
        : SimdWidth.Scalar;

    /// <summary>destination[i] = Expand(source[i]) for the length of source (destination at least as long).</summary>
    public static void Expand(ReadOnlySpan<byte> source, Span<byte> destination) => Expand(source, destination, BestWidth());

    /// <summary>
    /// The same at a given width (<see cref="SimdWidth.Scalar"/> is the portable <see cref="Vector{T}"/> path with its
    /// scalar tail, used where no x86 width is supported); a width this CPU lacks falls back to the widest it has.
    /// </summary>
    public static unsafe void Expand(ReadOnlySpan<byte> source, Span<byte> destination, SimdWidth width)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("destination is shorter than source", nameof(destination));
        }
        if (width > BestWidth())
        {
            width = BestWidth();
        }
        int length = source.Length;
        int i = 0;
        fixed (byte* s = source, d = destination)
        {
            switch (width)
            {
                case SimdWidth.Vector512:
                    for (; i + 64 <= length; i += 64)
                    {
                        Vector512.Store(Expand512(Vector512.Load(s + i)), d + i);
                    }
                    break;
                case SimdWidth.Vector256:
                    for (; i + 32 <= length; i += 32)
                    {
                        Vector256.Store(Expand256(Vector256.Load(s + i)), d + i);
                    }
                    break;
                case SimdWidth.Vector128:
                    for (; i + 16 <= length; i += 16)
                    {
                        Vector128.Store(Expand128(Vector128.Load(s + i)), d + i);
                    }
                    break;
                default:
                    i = ExpandPortable(source, destination);
                    break;
            }
        }
        for (; i < length; i++)
        {
            destination[i] = Expand(source[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Expand512(Vector512<byte> y)
    {
        Vector512<byte> v = Vector512.Min(Vector512.Max(y, Vector512.Create((byte)16)), Vector512.Create((byte)235)) - Vector512.Create((byte)16);
        (Vector512<ushort> lo, Vector512<ushort> hi) = Vector512.Widen(v);
        Vector512<ushort> bias = Vector512.Create(LaneBias), multiplier = Vector512.Create(LaneMultiplier);
        lo = Avx512BW.MultiplyHigh((lo << LaneShift) + bias, multiplier) >>> LaneDown;
        hi = Avx512BW.MultiplyHigh((hi << LaneShift) + bias, multiplier) >>> LaneDown;
        return Vector512.Narrow(lo, hi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<byte> Expand256(Vector256<byte> y)
    {
        Vector256<byte> v = Vector256.Min(Vector256.Max(y, Vector256.Create((byte)16)), Vector256.Create((byte)235)) - Vector256.Create((byte)16);
        (Vector256<ushort> lo, Vector256<ushort> hi) = Vector256.Widen(v);
        Vector256<ushort> bias = Vector256.Create(LaneBias), multiplier = Vector256.Create(LaneMultiplier);
        lo = Avx2.MultiplyHigh((lo << LaneShift) + bias, multiplier) >>> LaneDown;
        hi = Avx2.MultiplyHigh((hi << LaneShift) + bias, multiplier) >>> LaneDown;
        return Vector256.Narrow(lo, hi);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Expand128(Vector128<byte> y)
    {
        Vector128<byte> v = Vector128.Min(Vector128.Max(y, Vector128.Create((byte)16)), Vector128.Create((byte)235)) - Vector128.Create((byte)16);
        (Vector128<ushort> lo, Vector128<ushort> hi) = Vector128.Widen(v);
        Vector128<ushort> bias = Vector128.Create(LaneBias), multiplier = Vector128.Create(LaneMultiplier);
        lo = Sse2.MultiplyHigh((lo << LaneShift) + bias, multiplier) >>> LaneDown;
        hi = Sse2.MultiplyHigh((hi << LaneShift) + bias, multiplier) >>> LaneDown;
        return Vector128.Narrow(lo, hi);
    }

    // Vector<T> in 32-bit lanes (no portable 16-bit high multiply); returns how far it got.
    private static int ExpandPortable(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var low = new Vector<byte>(16);
            var high = new Vector<byte>(235);
            var bias = new Vector<uint>(Bias);
            var multiplier = new Vector<uint>(Multiplier);
            for (; i + Vector<byte>.Count <= source.Length; i += Vector<byte>.Count)
            {
                Vector<byte> v = Vector.Min(Vector.Max(new Vector<byte>(source[i..]), low), high) - low;
                Vector.Widen(v, out Vector<ushort> v0, out Vector<ushort> v1);
                Vector<ushort> r0 = Scale(v0, bias, multiplier);
                Vector<ushort> r1 = Scale(v1, bias, multiplier);
                Vector.Narrow(r0, r1).CopyTo(destination[i..]);
            }
        }
        return i;
    }

    private static Vector<ushort> Scale(Vector<ushort> v, Vector<uint> bias, Vector<uint> multiplier)
    {
        Vector.Widen(v, out Vector<uint> a, out Vector<uint> b);
        a = Vector.ShiftRightLogical(((a << 8) + bias) * multiplier, Shift);
        b = Vector.ShiftRightLogical(((b << 8) + bias) * multiplier, Shift);
        return Vector.Narrow(a, b);
    }
}
