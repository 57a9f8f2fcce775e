using System.Numerics;

namespace AgentRnn.Vision;

/// <summary>
/// Limited-range luma (16..235) to full-range gray (0..255): round((Y − 16)·255/219), clamped, which is what swscale
/// and `ffmpeg -vf format=gray` produce from limited-range YUV. Computed as ((256·v + 110)·19077) >> 22 with
/// v = clamp(Y − 16, 0, 219) in 32-bit lanes (equal to the definition for all 256 values; tested), <see cref="Vector{T}"/>
/// wide with a scalar tail, so a 1280×720 plane costs tens of microseconds instead of a table walk.
/// </summary>
internal static class LumaRange
{
    private const uint Multiplier = 19077;
    private const int Shift = 22;
    private const uint Bias = 110;

    /// <summary>One value, scalar.</summary>
    public static byte Expand(byte y)
    {
        uint v = (uint)Math.Clamp(y - 16, 0, 219);
        return (byte)(((v * 256 + Bias) * Multiplier) >> Shift);
    }

    /// <summary>destination[i] = Expand(source[i]) for the length of source (destination at least as long).</summary>
    public static void Expand(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        if (destination.Length < source.Length)
        {
            throw new ArgumentException("destination is shorter than source", nameof(destination));
        }
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
        for (; i < source.Length; i++)
        {
            destination[i] = Expand(source[i]);
        }
    }

    private static Vector<ushort> Scale(Vector<ushort> v, Vector<uint> bias, Vector<uint> multiplier)
    {
        Vector.Widen(v, out Vector<uint> a, out Vector<uint> b);
        a = Vector.ShiftRightLogical(((a << 8) + bias) * multiplier, Shift);
        b = Vector.ShiftRightLogical(((b << 8) + bias) * multiplier, Shift);
        return Vector.Narrow(a, b);
    }
}
