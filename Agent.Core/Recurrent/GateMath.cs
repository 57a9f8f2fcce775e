using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using AgentRnn.Core.Kernels;

namespace AgentRnn.Core.Recurrent;

/// <summary>
/// The fused cells' gate math: gate nonlinearities and the state update, at the thread's <see cref="KernelIsa"/> level.
/// The cells lay their gate rows out in blocks of <see cref="Width"/> hidden units, so that each gate of a block is one
/// Vector256 (two Vector128). The layout does not depend on the level; the Vector512 level runs the Vector256 code,
/// since a block is 8 units wide and this part is a few hundred floats per stream. Units past the last whole block,
/// and every unit at the scalar level, take the scalar loop. All levels use the same formulas
/// (σ(x) = 1 / (1 + e^−x), tanh(x) = 1 − 2 / (1 + e^2x)) and agree within float rounding of e^x.
/// </summary>
internal static class GateMath
{
    /// <summary>Hidden units per gate block: one Vector256 of floats.</summary>
    public const int Width = 8;

    private const int Half = Width / 2;

    /// <summary>Rounds a hidden size up to whole gate blocks.</summary>
    public static int Padded(int hiddenSize) => (hiddenSize + Width - 1) / Width * Width;

    /// <summary>
    /// One stream's LSTM update: gates is (4·Hp) pre-activations in blocks [i×8, f×8, g×8, o×8]; h and c are (H),
    /// updated in place as c' = σ(f)·c + σ(i)·tanh(g), h' = σ(o)·tanh(c').
    /// </summary>
    // Compiled fully at the first call, as the micro-kernels are: at tier 0 every vector operation here is a call, and
    // a game's first seconds (or a short run) paid for it in tail latency until tiering caught up (BENCHMARKS.md).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Lstm(IsaLevel isa, ReadOnlySpan<float> gates, Span<float> h, Span<float> c)
    {
        const int block = 4 * Width;
        int full = h.Length / Width * Width;
        int j = 0;
#if NET9_0_OR_GREATER
        if (isa >= IsaLevel.Vector256)
        {
            for (; j < full; j += Width)
            {
                ReadOnlySpan<float> g = gates.Slice(j / Width * block, block);
                Vector256<float> cNew = Sigmoid(Vector256.Create(g.Slice(Width, Width))) * Vector256.Create<float>(c.Slice(j, Width))
                    + Sigmoid(Vector256.Create(g.Slice(0, Width))) * Tanh(Vector256.Create(g.Slice(2 * Width, Width)));
                cNew.CopyTo(c.Slice(j, Width));
                (Sigmoid(Vector256.Create(g.Slice(3 * Width, Width))) * Tanh(cNew)).CopyTo(h.Slice(j, Width));
            }
        }
        else if (isa == IsaLevel.Vector128)
        {
            for (; j < full; j += Half)
            {
                // Unit j is lane j mod 8 of its block; a half block is 4 of those lanes.
                ReadOnlySpan<float> g = gates.Slice(j / Width * block + j % Width, block - j % Width);
                Vector128<float> cNew = Sigmoid(Vector128.Create(g.Slice(Width, Half))) * Vector128.Create<float>(c.Slice(j, Half))
                    + Sigmoid(Vector128.Create(g.Slice(0, Half))) * Tanh(Vector128.Create(g.Slice(2 * Width, Half)));
                cNew.CopyTo(c.Slice(j, Half));
                (Sigmoid(Vector128.Create(g.Slice(3 * Width, Half))) * Tanh(cNew)).CopyTo(h.Slice(j, Half));
            }
        }
#endif
        for (; j < h.Length; j++)
        {
            int at = j / Width * block + j % Width;
            float cNew = Sigmoid(gates[at + Width]) * c[j] + Sigmoid(gates[at]) * Tanh(gates[at + 2 * Width]);
            c[j] = cNew;
            h[j] = Sigmoid(gates[at + 3 * Width]) * Tanh(cNew);
        }
    }

    /// <summary>
    /// One stream's GRU update: gi and gh are (3·Hp) input- and hidden-side pre-activations in blocks [r×8, z×8, n×8];
    /// h is (H), updated in place: r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r·gh_n),
    /// h' = n + z·(h − n) (ATen's form of (1 − z)·n + z·h).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gru(IsaLevel isa, ReadOnlySpan<float> gi, ReadOnlySpan<float> gh, Span<float> h)
    {
        const int block = 3 * Width;
        int full = h.Length / Width * Width;
        int j = 0;
#if NET9_0_OR_GREATER
        if (isa >= IsaLevel.Vector256)
        {
            for (; j < full; j += Width)
            {
                int at = j / Width * block;
                ReadOnlySpan<float> x = gi.Slice(at, block);
                ReadOnlySpan<float> y = gh.Slice(at, block);
                Vector256<float> r = Sigmoid(Vector256.Create(x.Slice(0, Width)) + Vector256.Create(y.Slice(0, Width)));
                Vector256<float> z = Sigmoid(Vector256.Create(x.Slice(Width, Width)) + Vector256.Create(y.Slice(Width, Width)));
                Vector256<float> n = Tanh(Vector256.Create(x.Slice(2 * Width, Width)) + r * Vector256.Create(y.Slice(2 * Width, Width)));
                (n + z * (Vector256.Create<float>(h.Slice(j, Width)) - n)).CopyTo(h.Slice(j, Width));
            }
        }
        else if (isa == IsaLevel.Vector128)
        {
            for (; j < full; j += Half)
            {
                int at = j / Width * block + j % Width;
                ReadOnlySpan<float> x = gi.Slice(at, block - j % Width);
                ReadOnlySpan<float> y = gh.Slice(at, block - j % Width);
                Vector128<float> r = Sigmoid(Vector128.Create(x.Slice(0, Half)) + Vector128.Create(y.Slice(0, Half)));
                Vector128<float> z = Sigmoid(Vector128.Create(x.Slice(Width, Half)) + Vector128.Create(y.Slice(Width, Half)));
                Vector128<float> n = Tanh(Vector128.Create(x.Slice(2 * Width, Half)) + r * Vector128.Create(y.Slice(2 * Width, Half)));
                (n + z * (Vector128.Create<float>(h.Slice(j, Half)) - n)).CopyTo(h.Slice(j, Half));
            }
        }
#endif
        for (; j < h.Length; j++)
        {
            int at = j / Width * block + j % Width;
            float r = Sigmoid(gi[at] + gh[at]);
            float z = Sigmoid(gi[at + Width] + gh[at + Width]);
            float n = Tanh(gi[at + 2 * Width] + r * gh[at + 2 * Width]);
            h[j] = n + z * (h[j] - n);
        }
    }

#if NET9_0_OR_GREATER
    /// <summary>1 / (1 + e^−x); saturates to exactly 0 or 1 without NaN because e^±x overflows to +∞, never NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) => Vector256<float>.One / (Vector256<float>.One + Vector256.Exp(-x));

    /// <summary>
    /// tanh(x) = 1 − 2 / (1 + e^2x). The absolute error near 0 is a few 1e-8 (the cell's tolerance is 1e-4 absolute),
    /// and the form saturates to ±1 at both ends instead of computing ∞/∞.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x) => Vector256<float>.One - Vector256.Create(2f) / (Vector256<float>.One + Vector256.Exp(x + x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Sigmoid(Vector128<float> x) => Vector128<float>.One / (Vector128<float>.One + Vector128.Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Tanh(Vector128<float> x) => Vector128<float>.One - Vector128.Create(2f) / (Vector128<float>.One + Vector128.Exp(x + x));
#endif

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Tanh(float x) => 1f - 2f / (1f + MathF.Exp(x + x));
}
