using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
#if !NET9_0_OR_GREATER
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
#endif

namespace AgentRnn.Core.Kernels;

/// <summary>
/// The few vector operations the kernels need that differ between runtimes: a multiply-add that is fused where the
/// hardware has FMA (and plain multiply then add where it has not, instead of a slow software fusion), and ReLU.
/// .NET 9 added the portable forms; the .NET 8 fallbacks pick the intrinsic by hand.
/// </summary>
internal static class Simd
{
    /// <summary>a·b + c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MulAdd(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
#if NET9_0_OR_GREATER
        Vector512.MultiplyAddEstimate(a, b, c);
#else
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c) : a * b + c;
#endif

    /// <summary>a·b + c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MulAdd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
#if NET9_0_OR_GREATER
        Vector256.MultiplyAddEstimate(a, b, c);
#else
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : a * b + c;
#endif

    /// <summary>a·b + c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MulAdd(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
#if NET9_0_OR_GREATER
        Vector128.MultiplyAddEstimate(a, b, c);
#else
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : AdvSimd.IsSupported ? AdvSimd.FusedMultiplyAdd(c, a, b) : a * b + c;
#endif

    /// <summary>max(v, 0), NaN staying NaN (x86's maxps returns its second operand when either is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Relu(Vector512<float> v) =>
#if NET9_0_OR_GREATER
        Vector512.MaxNative(Vector512<float>.Zero, v);
#else
        Vector512.Max(Vector512<float>.Zero, v);
#endif

    /// <summary>max(v, 0), NaN staying NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Relu(Vector256<float> v) =>
#if NET9_0_OR_GREATER
        Vector256.MaxNative(Vector256<float>.Zero, v);
#else
        Vector256.Max(Vector256<float>.Zero, v);
#endif

    /// <summary>max(v, 0), NaN staying NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Relu(Vector128<float> v) =>
#if NET9_0_OR_GREATER
        Vector128.MaxNative(Vector128<float>.Zero, v);
#else
        Vector128.Max(Vector128<float>.Zero, v);
#endif
}
