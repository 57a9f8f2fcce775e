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
    private readonly Action<Index1D, ArrayView<float>, ArrayView<float>, PoolArgs> _maxPool;
    private readonly Action<Index1D, ArrayView<float>, int> _activate;
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
        _maxPool = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<float>, PoolArgs>(IlgpuKernels.MaxPool);
        _activate = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, int>(IlgpuKernels.Activate);
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
    /// <paramref name="starts"/> are given (null: row r, kept whole), rows <paramref name="lda"/> elements apart (0: k).
    /// Null bias: none.
    /// </summary>
    public void Gemm(ArrayView<float> a, ArrayView<int>? rows, ArrayView<float>? starts, ArrayView<float> b, ArrayView<float>? bias, ArrayView<float> c, int m, int n, int k, bool accumulate, Activation activation, int lda = 0)
    {
        var args = new GemmArgs
        {
            M = m,
            N = n,
            K = k,
            Lda = lda == 0 ? k : lda,
            HasRows = rows.HasValue ? 1 : 0,
            HasStarts = starts.HasValue ? 1 : 0,
            HasBias = bias.HasValue ? 1 : 0,
            Accumulate = accumulate ? 1 : 0,
            Activation = (int)activation,
        };
        _gemm(TiledConfig(n, m), a, rows ?? NoInts, starts ?? NoFloats, b, bias ?? NoFloats, c, args, SpecializedValue.New(Tile));
    }

    /// <summary>Convolution of uint8 NCHW frames scaled by spec.InputScale; y (batch, OH, OW, OC) NHWC.</summary>
    public void Conv(ArrayView<byte> x, ArrayView<float> weight, ArrayView<float>? bias, ArrayView<float> y, ConvSpec spec, int batch)
    {
        ConvGeometry geometry = spec.Geometry;
        ConvArgs args = Args(spec, batch, bias.HasValue);
        args.InputNhwc = 0;
        args.ReluInput = 0;
        _convU8(TiledConfig(geometry.OutChannels, batch * geometry.OutHeight * geometry.OutWidth), x, weight, bias ?? NoFloats, y, args, SpecializedValue.New(Tile));
    }

    /// <summary>Convolution of float input in spec.InputLayout; y (batch, OH, OW, OC) NHWC.</summary>
    public void Conv(ArrayView<float> x, ArrayView<float> weight, ArrayView<float>? bias, ArrayView<float> y, ConvSpec spec, int batch)
    {
        ConvGeometry geometry = spec.Geometry;
        ConvArgs args = Args(spec, batch, bias.HasValue);
        _convF32(TiledConfig(geometry.OutChannels, batch * geometry.OutHeight * geometry.OutWidth), x, weight, bias ?? NoFloats, y, args, SpecializedValue.New(Tile));
    }

    /// <summary>
    /// LSTM cell over <paramref name="batch"/> streams: stream b's h and c are the <paramref name="hidden"/> floats at
    /// slots[b]·<paramref name="stateStride"/> of the h and c views (stride 0: hidden).
    /// </summary>
    public void LstmCell(ArrayView<float> gx, ArrayView<float> gh, ArrayView<int> slots, ArrayView<float>? starts, ArrayView<float> h, ArrayView<float> c, ArrayView<float> output, int batch, int hidden, int stateStride = 0)
        => _lstm(batch * hidden, gx, gh, slots, starts ?? NoFloats, h, c, output, Cell(batch, hidden, stateStride, starts.HasValue));

    /// <summary>GRU cell; see <see cref="LstmCell"/>.</summary>
    public void GruCell(ArrayView<float> gx, ArrayView<float> gh, ArrayView<int> slots, ArrayView<float>? starts, ArrayView<float> h, ArrayView<float> output, int batch, int hidden, int stateStride = 0)
        => _gru(batch * hidden, gx, gh, slots, starts ?? NoFloats, h, output, Cell(batch, hidden, stateStride, starts.HasValue));

    /// <summary>Tanh RNN cell; the reset is already in gh (its GEMM zeroed the restarting rows of h).</summary>
    public void RnnCell(ArrayView<float> gx, ArrayView<float> gh, ArrayView<int> slots, ArrayView<float> h, ArrayView<float> output, int batch, int hidden, int stateStride = 0)
        => _rnn(batch * hidden, gx, gh, slots, h, output, Cell(batch, hidden, stateStride, false));

    /// <summary>Max-pool NHWC (batch, height, width, channels) → (batch, oh, ow, channels), padded cells never win.</summary>
    public void MaxPool(ArrayView<float> x, ArrayView<float> y, int batch, int channels, int height, int width, int window, int stride, int padding)
    {
        int oh = (height + 2 * padding - window) / stride + 1;
        int ow = (width + 2 * padding - window) / stride + 1;
        var args = new PoolArgs { Channels = channels, Height = height, Width = width, Window = window, Stride = stride, Padding = padding, OutHeight = oh, OutWidth = ow };
        _maxPool(batch * oh * ow * channels, x, y, args);
    }

    /// <summary>x ← act(x) in place.</summary>
    public void Activate(ArrayView<float> x, int length, Activation activation) => _activate(length, x, (int)activation);

    /// <summary>Waits for every enqueued launch.</summary>
    public void Synchronize() => _accelerator.Synchronize();

    public void Dispose()
    {
        _noFloats.Dispose();
        _noInts.Dispose();
    }

    private static CellArgs Cell(int batch, int hidden, int stateStride, bool hasStarts)
        => new() { Batch = batch, Hidden = hidden, StateStride = stateStride == 0 ? hidden : stateStride, HasStarts = hasStarts ? 1 : 0 };

    private static ConvArgs Args(ConvSpec spec, int batch, bool hasBias)
    {
        ConvGeometry geometry = spec.Geometry;
        return new ConvArgs
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
            Activation = (spec.Fusion & Fusion.ReluOutput) != 0 ? (int)Activation.ReLU : (int)Activation.None,
            InputNhwc = spec.InputLayout == Layout.Nhwc ? 1 : 0,
            ReluInput = (spec.Fusion & Fusion.ReluInput) != 0 ? 1 : 0,
            AddToOutput = (spec.Fusion & Fusion.AddToOutput) != 0 ? 1 : 0,
            InputScale = spec.InputScale,
        };
    }
}
