using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AgentRnn.Memory;

/// <summary>
/// Gate nonlinearities on whole registers. The fused cells lay their gate rows out in blocks of
/// <see cref="Width"/> hidden units so that each gate of a block is one register.
/// </summary>
internal static class GateMath
{
    /// <summary>Hidden units per gate block: one Vector256 of floats.</summary>
    public const int Width = 8;

    /// <summary>Rounds a hidden size up to whole gate blocks.</summary>
    public static int Padded(int hiddenSize) => (hiddenSize + Width - 1) / Width * Width;

    /// <summary>1 / (1 + e^−x); saturates to exactly 0 or 1 without NaN because e^±x overflows to +∞, never NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) =>
        Vector256<float>.One / (Vector256<float>.One + Exp(-x));

    /// <summary>
    /// tanh(x) = 1 − 2 / (1 + e^2x). The absolute error near 0 is a few 1e-8 (the cell's tolerance is 1e-4 absolute),
    /// and the form saturates to ±1 at both ends instead of computing ∞/∞.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x) =>
        Vector256<float>.One - Vector256.Create(2f) / (Vector256<float>.One + Exp(x + x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Exp(Vector256<float> x)
    {
#if NET9_0_OR_GREATER
        return Vector256.Exp(x);
#else
        // .NET 8 has no vector exp: lane by lane (a few µs per LSTM step of 256 units, against ~100 µs for its GEMM).
        Span<float> lanes = stackalloc float[Vector256<float>.Count];
        x.CopyTo(lanes);
        for (int i = 0; i < lanes.Length; i++)
        {
            lanes[i] = MathF.Exp(lanes[i]);
        }
        return Vector256.Create<float>(lanes);
#endif
    }
}
