using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace AgentRnn.Vision;

/// <summary>
/// cv::resize(..., INTER_AREA) for 8-bit one-channel frames shrunk by a non-integer factor (1280×720 → 84×84,
/// 160×210 → 84×84), bit for bit equal to OpenCV 4.13's, several times faster. OpenCV's generic area path
/// (ResizeArea_Invoker) walks a table of (source column, output column, weight) taps one tap at a time, so each
/// output column's sum is a chain of dependent float additions: about 2.5 ms per 1280×720 frame. This class builds
/// the same tables and performs, for every output pixel, the same float operations in the same order (so the same
/// roundings: a multiply and an add per tap, no fused multiply-add), but for L source rows at once (L = the float
/// lanes of the vector width): the rows are transposed as bytes into a column-major block, widened to floats, and
/// every tap is one vector load, multiply and add, four output columns interleaved to hide the adder's latency.
/// The vertical pass then weights each source row's horizontal sums into its output row, as OpenCV does.
/// Contract: one thread uses an instance at a time; <see cref="Run"/> allocates nothing.
/// </summary>
internal sealed unsafe partial class AreaResizer
{
    /// <summary>Output columns summed together (four independent chains of additions).</summary>
    private const int ColumnGroup = 4;

    /// <summary>Output columns are padded to a multiple of this (the widest vector's lanes) for the vertical pass.</summary>
    private const int ColumnPadding = 16;

    /// <summary>C's DBL_EPSILON, which OpenCV compares the scales' fractional parts against.</summary>
    private const double DblEpsilon = 2.220446049250313e-16;

    private readonly int _sourceWidth;
    private readonly int _sourceHeight;
    private readonly int _destinationWidth;
    private readonly int _lanes;
    private readonly int _columns;
    private readonly int _taps;
    private readonly int[] _first;
    private readonly float[] _weights;
    private readonly RowTap[] _rows;
    private readonly byte[] _block;
    private readonly float[] _blockFloats;
    private readonly float[] _sums;
    private readonly float[] _sum;
    private readonly nint[] _rowPointers;

    /// <summary>A resizer for sourceWidth × sourceHeight → destinationWidth × destinationHeight at the widest accelerated vector width.</summary>
    public AreaResizer(int sourceWidth, int sourceHeight, int destinationWidth, int destinationHeight)
        : this(sourceWidth, sourceHeight, destinationWidth, destinationHeight, BestWidth())
    {
    }

    /// <summary>A resizer forced to one vector width (tests run every width; Vector512 runs in software without AVX-512).</summary>
    public AreaResizer(int sourceWidth, int sourceHeight, int destinationWidth, int destinationHeight, SimdWidth width)
    {
        if (!Applies(sourceWidth, sourceHeight, destinationWidth, destinationHeight))
        {
            throw new ArgumentException(
                $"the area resizer only shrinks by non-integer factors, not {sourceWidth}x{sourceHeight} -> {destinationWidth}x{destinationHeight}");
        }
        _sourceWidth = sourceWidth;
        _sourceHeight = sourceHeight;
        _destinationWidth = destinationWidth;
        DestinationHeight = destinationHeight;
        Width = width;
        _lanes = (int)width;
        List<Tap> xtab = Table(sourceWidth, destinationWidth);
        _columns = (destinationWidth + ColumnPadding - 1) / ColumnPadding * ColumnPadding;
        var count = new int[_columns];
        foreach (Tap tap in xtab)
        {
            _taps = Math.Max(_taps, ++count[tap.Destination]);
        }
        // Each output column's taps cover consecutive source columns (the partly covered cell on the left, the whole
        // cells, the partly covered cell on the right), so tap t reads first + t. Every column gets _taps taps: its own
        // in table order, then padding of weight 0, which adds +0 to a non-negative sum and so leaves its bits
        // unchanged. The columns added to round the width up are all padding.
        _first = new int[_columns];
        _weights = new float[_columns * _taps];
        Array.Clear(count);
        foreach (Tap tap in xtab)
        {
            int x = tap.Destination;
            if (count[x] == 0)
            {
                _first[x] = tap.Source;
            }
            else if (tap.Source != _first[x] + count[x])
            {
                throw new InvalidOperationException("area resize taps are not consecutive source columns");
            }
            _weights[x * _taps + count[x]++] = tap.Alpha;
        }
        int blockWidth = sourceWidth;
        for (int x = 0; x < _columns; x++)
        {
            blockWidth = Math.Max(blockWidth, _first[x] + _taps);
        }
        _rows = Table(sourceHeight, destinationHeight).Select(t => new RowTap(t.Destination, t.Source, t.Alpha)).ToArray();
        // Columns past the source's width are only read by padding taps (weight 0) and stay zero.
        _block = GC.AllocateArray<byte>(blockWidth * _lanes, pinned: true);
        _blockFloats = GC.AllocateArray<float>(blockWidth * _lanes, pinned: true);
        _sums = GC.AllocateArray<float>(_columns * _lanes, pinned: true);
        _sum = GC.AllocateArray<float>(_columns, pinned: true);
        _rowPointers = new nint[_lanes];
    }

    /// <summary>The vector width this instance runs at.</summary>
    public SimdWidth Width { get; }

    /// <summary>Output rows.</summary>
    public int DestinationHeight { get; }

    /// <summary>
    /// True when cv::resize would take the generic area path: both axes shrink (scale ≥ 1), the sizes differ, and not
    /// both scales are whole numbers (OpenCV's resizeAreaFast handles those).
    /// </summary>
    public static bool Applies(int sourceWidth, int sourceHeight, int destinationWidth, int destinationHeight)
    {
        if (sourceWidth <= 0 || sourceHeight <= 0 || destinationWidth <= 0 || destinationHeight <= 0)
        {
            return false;
        }
        if (sourceWidth == destinationWidth && sourceHeight == destinationHeight)
        {
            return false;
        }
        double scaleX = Scale(sourceWidth, destinationWidth);
        double scaleY = Scale(sourceHeight, destinationHeight);
        if (!(scaleX >= 1 && scaleY >= 1))
        {
            return false;
        }
        bool whole = Math.Abs(scaleX - SaturateToInt(scaleX)) < DblEpsilon && Math.Abs(scaleY - SaturateToInt(scaleY)) < DblEpsilon;
        return !whole;
    }

    /// <summary>The widest vector width the CPU accelerates.</summary>
    public static SimdWidth BestWidth() =>
        Vector512.IsHardwareAccelerated && TransposeAccelerated ? SimdWidth.Vector512
        : Vector256.IsHardwareAccelerated && TransposeAccelerated ? SimdWidth.Vector256
        : Vector128.IsHardwareAccelerated && TransposeAccelerated ? SimdWidth.Vector128
        : SimdWidth.Scalar;

    /// <summary>
    /// Resizes source (row y at source + y·sourceStep; a negative step reads a bottom-up frame upright) into
    /// destination (row y at destination + y·destinationStep).
    /// </summary>
    public void Run(byte* source, nint sourceStep, byte* destination, nint destinationStep)
    {
        if (_lanes == 1)
        {
            RunScalar(source, sourceStep, destination, destinationStep);
            return;
        }
        fixed (float* sum = _sum)
        fixed (float* sums = _sums)
        {
            int previousRow = _rows[0].DestinationRow;
            int first = -_lanes;  // first source row of the block in _sums
            bool start = true;    // sum holds nothing yet: the next row starts it
            foreach (RowTap r in _rows)
            {
                if (r.SourceRow >= first + _lanes)
                {
                    first = r.SourceRow;
                    AccumulateRows(source, sourceStep, first);
                }
                if (r.DestinationRow != previousRow)
                {
                    Store(sum, destination + previousRow * destinationStep);
                    previousRow = r.DestinationRow;
                    start = true;
                }
                Vertical(sum, sums + (r.SourceRow - first) * _columns, r.Beta, start);
                start = false;
            }
            Store(sum, destination + previousRow * destinationStep);
        }
    }

    // cv::resize computes the scale as the inverse of the inverse scale; the tables depend on its last bit.
    private static double Scale(int sourceSize, int destinationSize) => 1.0 / ((double)destinationSize / sourceSize);

    private static int SaturateToInt(double value) => (int)Math.Clamp(Math.Round(value, MidpointRounding.ToEven), int.MinValue, int.MaxValue);

    // OpenCV's computeResizeAreaTab for one channel: the source cells each output cell covers, with the covered fraction
    // of the cell as weight.
    private static List<Tap> Table(int sourceSize, int destinationSize)
    {
        double scale = Scale(sourceSize, destinationSize);
        var table = new List<Tap>(sourceSize * 2);
        for (int dx = 0; dx < destinationSize; dx++)
        {
            double fsx1 = dx * scale;
            double fsx2 = fsx1 + scale;
            double cellWidth = Math.Min(scale, sourceSize - fsx1);
            int sx1 = (int)Math.Ceiling(fsx1), sx2 = (int)Math.Floor(fsx2);
            sx2 = Math.Min(sx2, sourceSize - 1);
            sx1 = Math.Min(sx1, sx2);
            if (sx1 - fsx1 > 1e-3)
            {
                table.Add(new Tap(sx1 - 1, dx, (float)((sx1 - fsx1) / cellWidth)));
            }
            for (int sx = sx1; sx < sx2; sx++)
            {
                table.Add(new Tap(sx, dx, (float)(1.0 / cellWidth)));
            }
            if (fsx2 - sx2 > 1e-3)
            {
                table.Add(new Tap(sx2, dx, (float)(Math.Min(Math.Min(fsx2 - sx2, 1.0), cellWidth) / cellWidth)));
            }
        }
        return table;
    }

    // Horizontal sums of source rows first..first+L−1 (rows past the bottom repeat the last one) into _sums, row-major.
    private void AccumulateRows(byte* source, nint step, int first)
    {
        for (int i = 0; i < _lanes; i++)
        {
            _rowPointers[i] = (nint)(source + Math.Min(first + i, _sourceHeight - 1) * step);
        }
        fixed (nint* rows = _rowPointers)
        fixed (byte* block = _block)
        fixed (float* blockFloats = _blockFloats)
        fixed (float* sums = _sums)
        {
            Transpose((byte**)rows, block);
            Widen(block, blockFloats, _block.Length);
            Horizontal(blockFloats, sums);
        }
    }

    // out[x] = saturate_cast<uchar>(sum[x]): round half to even, then clamp.
    private void Store(float* sum, byte* row)
    {
        for (int x = 0; x < _destinationWidth; x++)
        {
            row[x] = (byte)Math.Clamp((int)MathF.Round(sum[x]), 0, 255);
        }
    }

    // OpenCV's own loop, one source row at a time: the reference the vector widths are checked against, and the path
    // for CPUs without vectors.
    private void RunScalar(byte* source, nint sourceStep, byte* destination, nint destinationStep)
    {
        fixed (float* sum = _sum)
        fixed (float* buffer = _sums)
        {
            int previousRow = _rows[0].DestinationRow;
            int current = -1;
            bool start = true;
            foreach (RowTap r in _rows)
            {
                if (r.SourceRow != current)
                {
                    current = r.SourceRow;
                    byte* row = source + current * sourceStep;
                    for (int x = 0; x < _columns; x++)
                    {
                        float s = 0f;
                        byte* values = row + _first[x];
                        int w = x * _taps;
                        for (int t = 0; t < _taps; t++)
                        {
                            float weight = _weights[w + t];
                            // Padding taps may point past the row's end; their weight is 0 and they are not read.
                            s += weight == 0f ? 0f : values[t] * weight;
                        }
                        buffer[x] = s;
                    }
                }
                if (r.DestinationRow != previousRow)
                {
                    Store(sum, destination + previousRow * destinationStep);
                    previousRow = r.DestinationRow;
                    start = true;
                }
                for (int x = 0; x < _columns; x++)
                {
                    sum[x] = start ? r.Beta * buffer[x] : sum[x] + r.Beta * buffer[x];
                }
                start = false;
            }
            Store(sum, destination + previousRow * destinationStep);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Widen(byte* block, float* floats, int count)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + 32 <= count; i += 32)
            {
                Vector256<byte> b = Vector256.Load(block + i);
                (Vector256<ushort> lo, Vector256<ushort> hi) = Vector256.Widen(b);
                (Vector256<uint> a0, Vector256<uint> a1) = Vector256.Widen(lo);
                (Vector256<uint> a2, Vector256<uint> a3) = Vector256.Widen(hi);
                Vector256.ConvertToSingle(a0.AsInt32()).Store(floats + i);
                Vector256.ConvertToSingle(a1.AsInt32()).Store(floats + i + 8);
                Vector256.ConvertToSingle(a2.AsInt32()).Store(floats + i + 16);
                Vector256.ConvertToSingle(a3.AsInt32()).Store(floats + i + 24);
            }
        }
        else if (Vector128.IsHardwareAccelerated)
        {
            for (; i + 16 <= count; i += 16)
            {
                Vector128<byte> b = Vector128.Load(block + i);
                (Vector128<ushort> lo, Vector128<ushort> hi) = Vector128.Widen(b);
                (Vector128<uint> a0, Vector128<uint> a1) = Vector128.Widen(lo);
                (Vector128<uint> a2, Vector128<uint> a3) = Vector128.Widen(hi);
                Vector128.ConvertToSingle(a0.AsInt32()).Store(floats + i);
                Vector128.ConvertToSingle(a1.AsInt32()).Store(floats + i + 4);
                Vector128.ConvertToSingle(a2.AsInt32()).Store(floats + i + 8);
                Vector128.ConvertToSingle(a3.AsInt32()).Store(floats + i + 12);
            }
        }
        for (; i < count; i++)
        {
            floats[i] = block[i];
        }
    }

    private readonly record struct Tap(int Source, int Destination, float Alpha);

    private readonly record struct RowTap(int DestinationRow, int SourceRow, float Beta);
}
