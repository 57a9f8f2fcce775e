using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AgentRnn.Core.Kernels;

/// <summary>
/// A GEMM right-hand side B (k, n) packed once into ⌈n/16⌉ panels of (k, 16), zero-padded, with a bias padded to the
/// same width: the layout <see cref="MicroKernel"/> streams; the weights in float32 or, for <see cref="Linear"/> layers
/// that ask for it, bfloat16. Memory is pinned, so the pointers stay valid for the
/// object's lifetime. Immutable after construction.
/// </summary>
internal sealed unsafe class PackedPanels
{
    private readonly float[] _data;
    private readonly ushort[] _half;
    private readonly float[] _bias;

    private PackedPanels(int k, int n, WeightPrecision precision = WeightPrecision.Float32)
    {
        K = k;
        N = n;
        Panels = PanelCount(n);
        Precision = precision;
        bool half = precision == WeightPrecision.BFloat16;
        _data = half ? [] : GC.AllocateArray<float>(Panels * MicroKernel.Cols * k, pinned: true);
        _half = half ? GC.AllocateArray<ushort>(Panels * MicroKernel.Cols * k, pinned: true) : [];
        _bias = GC.AllocateArray<float>(Panels * MicroKernel.Cols, pinned: true);
    }

    /// <summary>How the panels are stored: float32 (<see cref="Data"/>) or bfloat16 (<see cref="Half"/>).</summary>
    internal WeightPrecision Precision { get; }

    /// <summary>The first bfloat16 panel (same layout as <see cref="Data"/>), or null for float32 panels.</summary>
    internal ushort* Half => _half.Length == 0 ? null : (ushort*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_half));

    /// <summary>Rows of B (the reduction length).</summary>
    internal int K { get; }

    /// <summary>Columns of B.</summary>
    internal int N { get; }

    /// <summary>Number of 16-column panels.</summary>
    internal int Panels { get; }

    /// <summary>The first float32 panel, or null for bfloat16 panels.</summary>
    internal float* Data => _data.Length == 0 ? null : (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_data));

    /// <summary>The bias, 16·Panels floats.</summary>
    internal float* Bias => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_bias));

    /// <summary>Panels needed for n columns.</summary>
    internal static int PanelCount(int n) => (n + MicroKernel.Cols - 1) / MicroKernel.Cols;

    /// <summary>
    /// Packs B = wᵀ for w (n, k) row-major, the layout of PyTorch's Linear and flattened Conv2d weights.
    /// With <paramref name="order"/>, row p of B is column order[p] of w (a reordering of the reduction axis).
    /// bias is (n) or empty.
    /// </summary>
    internal static PackedPanels FromTransposed(ReadOnlySpan<float> w, ReadOnlySpan<float> bias, int n, int k, ReadOnlySpan<int> order = default)
    {
        var packed = new PackedPanels(k, n);
        PackTransposed(w, n, k, packed._data, order);
        bias.CopyTo(packed._bias);
        return packed;
    }

    /// <summary>As the float32 overload (no reordering), the weights stored at <paramref name="precision"/> (bfloat16 rounds to nearest even).</summary>
    internal static PackedPanels FromTransposed(ReadOnlySpan<float> w, ReadOnlySpan<float> bias, int n, int k, WeightPrecision precision)
    {
        if (precision == WeightPrecision.Float32)
        {
            return FromTransposed(w, bias, n, k);
        }
        var packed = new PackedPanels(k, n, precision);
        var full = new float[packed._half.Length];
        PackTransposed(w, n, k, full);
        for (int i = 0; i < full.Length; i++)
        {
            packed._half[i] = BFloat16.Round(full[i]);
        }
        bias.CopyTo(packed._bias);
        return packed;
    }

    /// <summary>dest (⌈n/16⌉·16·k floats) = panels of wᵀ, w (n, k) row-major; order reorders the reduction axis.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void PackTransposed(ReadOnlySpan<float> w, int n, int k, Span<float> dest, ReadOnlySpan<int> order = default)
    {
        const int nr = MicroKernel.Cols;
        int panels = PanelCount(n);
        dest.Slice(0, panels * nr * k).Clear();
        for (int j = 0; j < n; j++)
        {
            ReadOnlySpan<float> row = w.Slice(j * k, k);
            Span<float> panel = dest.Slice(j / nr * nr * k);
            int col = j % nr;
            for (int p = 0; p < k; p++)
            {
                panel[p * nr + col] = row[order.IsEmpty ? p : order[p]];
            }
        }
    }

    /// <summary>dest (⌈n/16⌉·16·k floats) = panels of b (k, n) row-major.</summary>
    internal static void PackRowMajor(ReadOnlySpan<float> b, int k, int n, Span<float> dest)
    {
        const int nr = MicroKernel.Cols;
        int panels = PanelCount(n);
        for (int q = 0; q < panels; q++)
        {
            int cols = Math.Min(nr, n - q * nr);
            Span<float> panel = dest.Slice(q * nr * k, nr * k);
            for (int p = 0; p < k; p++)
            {
                Span<float> to = panel.Slice(p * nr, nr);
                b.Slice(p * n + q * nr, cols).CopyTo(to);
                to.Slice(cols).Clear();
            }
        }
    }
}
