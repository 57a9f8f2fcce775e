using AgentRnn.Core.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace AgentRnn.Core.Compute.Ilgpu;

/// <summary>
/// The kernels of <see cref="IlgpuKernels"/> compiled for one accelerator, with launchers that size the grid. Callers
/// pass checked shapes. Launches are enqueued on the accelerator's default stream, in order.
/// </summary>
internal sealed class IlgpuKernelSet : IDisposable
{
    private readonly Accelerator _accelerator;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmArgs, SpecializedValue<int>> _gemm;
    private readonly Action<KernelConfig, ArrayView<byte>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvArgs, SpecializedValue<int>> _convU8;
    private readonly Action<KernelConfig, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvArgs, SpecializedValue<int>> _convF32;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, CellArgs> _lstm;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, CellArgs> _gru;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, CellArgs> _rnn;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int> _softmax;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int> _maxPool;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<int>, int> _zeroRows;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _noFloats;
    private readonly MemoryBuffer1D<int, Stride1D.Dense> _noInts;

    public IlgpuKernelSet(Accelerator accelerator)
    {
        _accelerator = accelerator;
        int maxGroup = accelerator.MaxNumThreadsPerGroup;
        int tile = 16;
        while (tile > 1 && (tile * tile > maxGroup || 2 * tile * (tile + 1) * sizeof(float) > accelerator.MaxSharedMemoryPerGroup))
        {
            tile /= 2;
        }
        Tile = tile;
        _gemm = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, GemmArgs, SpecializedValue<int>>(IlgpuKernels.Gemm);
        _convU8 = accelerator.LoadStreamKernel<ArrayView<byte>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvArgs, SpecializedValue<int>>(IlgpuKernels.ConvU8);
        _convF32 = accelerator.LoadStreamKernel<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ConvArgs, SpecializedValue<int>>(IlgpuKernels.ConvF32);
        _lstm = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, CellArgs>(IlgpuKernels.LstmCell);
        _gru = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, ArrayView<float>, CellArgs>(IlgpuKernels.GruCell);
        _rnn = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, ArrayView<float>, CellArgs>(IlgpuKernels.RnnCell);
        _softmax = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int>(IlgpuKernels.Softmax);
        _maxPool = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, int, int, int, int, int, int>(IlgpuKernels.MaxPool);
        _zeroRows = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<int>, int>(IlgpuKernels.ZeroRows);
        _noFloats = accelerator.Allocate1D<float>(1);
        _noInts = accelerator.Allocate1D<int>(1);
    }

    /// <summary>Side of the square GEMM/conv tile (16 on GPUs; smaller where groups are smaller).</summary>
    public int Tile { get; }

    private ArrayView<float> NoFloats => _noFloats.View;

    private ArrayView<int> NoInts => _noInts.View;

    private KernelConfig TiledConfig(int columns, int rows)
    {
        int t = Tile;
        return new KernelConfig(
            new Index2D((columns + t - 1) / t, (rows + t - 1) / t),
            new Index2D(t, t),
            SharedMemoryConfig.RequestDynamic<float>(2 * t * (t + 1)));
    }

    /// <summary>
    /// c (m, n) = act(A · bᵀ + bias [+ c]); A row r is a[rows[r]] · (1 − starts[r]) when <paramref name="rows"/> /
    /// <paramref name="starts"/> are given (null: row r, kept whole). Null bias: none.
    /// </summary>
    public void Gemm(ArrayView<float> a, ArrayView<int>? rows, ArrayView<float>? starts, ArrayView<float> b, ArrayView<float>? bias, ArrayView<float> c, int m, int n, int k, bool accumulate, Activation activation)
    {
        var args = new GemmArgs
        {
            M = m,
            N = n,
            K = k,
            HasRows = rows.HasValue ? 1 : 0,
            HasStarts = starts.HasValue ? 1 : 0,
            HasBias = bias.HasValue ? 1 : 0,
            Accumulate = accumulate ? 1 : 0,
            Activation = (int)activation,
        };
        _gemm(TiledConfig(n, m), a, rows ?? NoInts, starts ?? NoFloats, b, bias ?? NoFloats, c, args, SpecializedValue.New(Tile));
    }

    /// <summary>Convolution of uint8 frames scaled by <paramref name="inputScale"/>; y (batch, OC, OH, OW).</summary>
    public void Conv(ArrayView<byte> x, float inputScale, ArrayView<float> weight, ArrayView<float>? bias, ArrayView<float> y, ConvGeometry geometry, int batch, Activation activation)
    {
        ConvArgs args = Args(geometry, batch, bias.HasValue, activation, inputScale);
        _convU8(TiledConfig(batch * geometry.OutHeight * geometry.OutWidth, geometry.OutChannels), x, weight, bias ?? NoFloats, y, args, SpecializedValue.New(Tile));
    }

    /// <summary>Convolution of float input; y (batch, OC, OH, OW).</summary>
    public void Conv(ArrayView<float> x, ArrayView<float> weight, ArrayView<float>? bias, ArrayView<float> y, ConvGeometry geometry, int batch, Activation activation)
    {
        ConvArgs args = Args(geometry, batch, bias.HasValue, activation, 1f);
        _convF32(TiledConfig(batch * geometry.OutHeight * geometry.OutWidth, geometry.OutChannels), x, weight, bias ?? NoFloats, y, args, SpecializedValue.New(Tile));
    }

    /// <summary>LSTM cell over <paramref name="batch"/> streams whose h and c rows are slots[b] of h and c (slots, H).</summary>
    public void LstmCell(ArrayView<float> gx, ArrayView<float> gh, ArrayView<int> slots, ArrayView<float>? starts, ArrayView<float> h, ArrayView<float> c, ArrayView<float> output, int batch, int hidden)
        => _lstm(batch * hidden, gx, gh, slots, starts ?? NoFloats, h, c, output, new CellArgs { Batch = batch, Hidden = hidden, HasStarts = starts.HasValue ? 1 : 0 });

    /// <summary>GRU cell; see <see cref="LstmCell"/>.</summary>
    public void GruCell(ArrayView<float> gx, ArrayView<float> gh, ArrayView<int> slots, ArrayView<float>? starts, ArrayView<float> h, ArrayView<float> output, int batch, int hidden)
        => _gru(batch * hidden, gx, gh, slots, starts ?? NoFloats, h, output, new CellArgs { Batch = batch, Hidden = hidden, HasStarts = starts.HasValue ? 1 : 0 });

    /// <summary>Tanh RNN cell; the reset is already in gh (its GEMM scaled h by keep).</summary>
    public void RnnCell(ArrayView<float> gx, ArrayView<float> gh, ArrayView<int> slots, ArrayView<float> h, ArrayView<float> output, int batch, int hidden)
        => _rnn(batch * hidden, gx, gh, slots, h, output, new CellArgs { Batch = batch, Hidden = hidden });

    /// <summary>Softmax of each of <paramref name="rows"/> rows of width <paramref name="n"/>.</summary>
    public void Softmax(ArrayView<float> x, ArrayView<float> y, int rows, int n) => _softmax(rows, x, y, n);

    /// <summary>Max-pool over <paramref name="planes"/> planes of (height, width).</summary>
    public void MaxPool(ArrayView<float> x, ArrayView<float> y, int planes, int height, int width, int window, int stride)
    {
        int oh = (height - window) / stride + 1;
        int ow = (width - window) / stride + 1;
        _maxPool(planes * oh * ow, x, y, height, width, window, stride, oh, ow);
    }

    /// <summary>Zeroes rows slots[r] (r &lt; count) of a (slots, width) state buffer.</summary>
    public void ZeroRows(ArrayView<float> state, ArrayView<int> slots, int count, int width) => _zeroRows(count * width, state, slots, width);

    /// <summary>Waits for every enqueued launch.</summary>
    public void Synchronize() => _accelerator.Synchronize();

    public void Dispose()
    {
        _noFloats.Dispose();
        _noInts.Dispose();
    }

    private static ConvArgs Args(ConvGeometry geometry, int batch, bool hasBias, Activation activation, float inputScale) => new()
    {
        Batch = batch,
        InChannels = geometry.InChannels,
        Height = geometry.Height,
        Width = geometry.Width,
        OutChannels = geometry.OutChannels,
        KernelH = geometry.KernelH,
        KernelW = geometry.KernelW,
        Stride = geometry.Stride,
        Padding = geometry.Padding,
        OutHeight = geometry.OutHeight,
        OutWidth = geometry.OutWidth,
        HasBias = hasBias ? 1 : 0,
        Activation = (int)activation,
        InputScale = inputScale,
    };
}
