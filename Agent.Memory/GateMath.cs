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
        Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-x));

    /// <summary>
    /// tanh(x) = 1 − 2 / (1 + e^2x). The absolute error near 0 is a few 1e-8 (the cell's tolerance is 1e-4 absolute),
    /// and the form saturates to ±1 at both ends instead of computing ∞/∞.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x) =>
        Vector256<float>.One - Vector256.Create(2f) / (Vector256<float>.One + Vector256.Exp(x + x));
}
