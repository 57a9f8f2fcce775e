using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AgentRnn.Core.Kernels;

/// <summary>
/// bfloat16 storage for weights: float32's sign, exponent and top 7 mantissa bits. .NET exposes no AVX-512 BF16
/// dot-product instruction (vdpbf16ps), so the kernels widen bf16 to float32 in registers (a shift by 16 bits) and
/// multiply in float32.
/// </summary>
internal static unsafe class BFloat16
{
    /// <summary>x rounded to the nearest bfloat16 (ties to even), as torch's .to(torch.bfloat16); NaN stays NaN.</summary>
    public static ushort Round(float x)
    {
        uint bits = BitConverter.SingleToUInt32Bits(x);
        if (float.IsNaN(x))
        {
            return (ushort)((bits >> 16) | 0x40);
        }
        return (ushort)((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
    }

    /// <summary>The float32 a bfloat16 stands for (exact).</summary>
    public static float Widen(ushort h) => BitConverter.UInt32BitsToSingle((uint)h << 16);

    /// <summary>to[i] = the float32 of from[i] for i &lt; count (exact, so any vector width gives the same floats).</summary>
    public static void Widen(ushort* from, float* to, int count)
    {
        int i = 0;
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 8 <= count; i += 8)
            {
                Vector128<ushort> h = Vector128.Load(from + i);
                Vector128.Store(Vector128.ShiftLeft(Vector128.WidenLower(h), 16).AsSingle(), to + i);
                Vector128.Store(Vector128.ShiftLeft(Vector128.WidenUpper(h), 16).AsSingle(), to + i + 4);
            }
        }
        for (; i < count; i++)
        {
            to[i] = Widen(from[i]);
        }
    }

    /// <summary>16 bfloat16 at p as float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load512(ushort* p) => Vector512.ShiftLeft(Vector512.WidenLower(Vector256.Load(p).ToVector512Unsafe()), 16).AsSingle();

    /// <summary>8 bfloat16 at p as float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load256(ushort* p) => Vector256.ShiftLeft(Vector256.WidenLower(Vector128.Load(p).ToVector256Unsafe()), 16).AsSingle();

    /// <summary>The first 4 of 8 bfloat16 in h as float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Lower(Vector128<ushort> h) => Vector128.ShiftLeft(Vector128.WidenLower(h), 16).AsSingle();

    /// <summary>The last 4 of 8 bfloat16 in h as float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Upper(Vector128<ushort> h) => Vector128.ShiftLeft(Vector128.WidenUpper(h), 16).AsSingle();
}
