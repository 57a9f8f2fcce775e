using AgentRnn.Core.Kernels;
using AgentRnn.Core.Recurrent;
using ILGPU;
using ILGPU.Runtime;

namespace AgentRnn.Core.Compute.Ilgpu;

/// <summary>A convolution on an ILGPU accelerator: the implicit-GEMM kernel over the weight as PyTorch stores it.</summary>
internal sealed class IlgpuConvLayer : ConvLayer
{
    private readonly IlgpuDevice _device;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _weight;
    private readonly MemoryBuffer1D<float, Stride1D.Dense>? _bias;

    public IlgpuConvLayer(IlgpuDevice device, ConvSpec spec, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
        : base(device, spec)
    {
        _device = device;
        _weight = device.AllocateRaw(weight);
        _bias = bias.IsEmpty ? null : device.AllocateRaw(bias);
    }

    private ArrayView<float>? Bias => _bias is null ? null : _bias.View;

    protected override void ForwardCore(DeviceView<float> x, DeviceView<float> y, int batch)
        => _device.Kernels.Conv(IlgpuDevice.View(x), _weight.View, Bias, IlgpuDevice.View(y), Spec, batch);

    protected override void ForwardCore(DeviceView<byte> frames, DeviceView<float> y, int batch)
        => _device.Kernels.Conv(IlgpuDevice.View(frames), _weight.View, Bias, IlgpuDevice.View(y), Spec, batch);

    protected override void ReleaseCore()
    {
        _weight.Dispose();
        _bias?.Dispose();
    }
}

/// <summary>A linear layer on an ILGPU accelerator: the tiled GEMM with bias and activation fused.</summary>
internal sealed class IlgpuLinearLayer : LinearLayer
{
    private readonly IlgpuDevice _device;
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _weight;
    private readonly MemoryBuffer1D<float, Stride1D.Dense>? _bias;

    public IlgpuLinearLayer(IlgpuDevice device, int inFeatures, int outFeatures, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Activation activation)
        : base(device, inFeatures, outFeatures, activation)
    {
        _device = device;
        _weight = device.AllocateRaw(weight);
        _bias = bias.IsEmpty ? null : device.AllocateRaw(bias);
    }

    protected override void ForwardCore(DeviceView<float> x, DeviceView<float> y, int batch)
        => _device.Kernels.Gemm(IlgpuDevice.View(x), null, null, _weight.View, _bias is null ? null : _bias.View, IlgpuDevice.View(y), batch, OutFeatures, InFeatures, accumulate: false, Activation);

    protected override void ReleaseCore()
    {
        _weight.Dispose();
        _bias?.Dispose();
    }
}

/// <summary>Max pooling on an ILGPU accelerator (NHWC, one thread per output).</summary>
internal sealed class IlgpuMaxPoolLayer(IlgpuDevice device, int kernel, int stride, int padding) : MaxPoolLayer(device, kernel, stride, padding)
{
    protected override void ForwardCore(DeviceView<float> x, DeviceView<float> y, int batch, int channels, int height, int width)
        => device.Kernels.MaxPool(IlgpuDevice.View(x), IlgpuDevice.View(y), batch, channels, height, width, Kernel, Stride, Padding);

    protected override void ReleaseCore()
    {
    }
}

/// <summary>
/// A stacked LSTM/GRU/RNN on an ILGPU accelerator. Every slot's state lives in one device array (slots, StateSize)
/// in the host layout of <see cref="RecurrentSpec.StateSize"/> ([h_0, c_0, h_1, c_1, …]), so snapshots are plain
/// copies. A call uploads the slot ids (and episode starts, when any is nonzero) once, then per layer runs one GEMM
/// for the input gates of every step, and per step one GEMM that reads h straight from the slots (gathered by id,
/// zeroed at episode starts) and one cell kernel that writes the new state back to the slots.
/// </summary>
internal sealed class IlgpuRecurrentLayer : RecurrentLayer
{
    private readonly IlgpuDevice _device;
    private readonly int _gates;
    private readonly MemoryBuffer1D<float, Stride1D.Dense>[] _wih;
    private readonly MemoryBuffer1D<float, Stride1D.Dense>[] _whh;
    private readonly MemoryBuffer1D<float, Stride1D.Dense>[] _bih;
    private readonly MemoryBuffer1D<float, Stride1D.Dense>[] _bhh;
    private MemoryBuffer1D<float, Stride1D.Dense> _state;
    private int _capacity;
    private MemoryBuffer1D<int, Stride1D.Dense>? _slots;
    private MemoryBuffer1D<float, Stride1D.Dense>? _starts;
    private MemoryBuffer1D<float, Stride1D.Dense>? _gx;
    private MemoryBuffer1D<float, Stride1D.Dense>? _gh;
    private MemoryBuffer1D<float, Stride1D.Dense>? _between;

    public IlgpuRecurrentLayer(IlgpuDevice device, RecurrentSpec spec, Func<string, Tensor> parameters, int slots)
        : base(device, spec, slots)
    {
        _device = device;
        _gates = RecurrentParameters.Gates(spec.Cell);
        _wih = new MemoryBuffer1D<float, Stride1D.Dense>[spec.Layers];
        _whh = new MemoryBuffer1D<float, Stride1D.Dense>[spec.Layers];
        _bih = new MemoryBuffer1D<float, Stride1D.Dense>[spec.Layers];
        _bhh = new MemoryBuffer1D<float, Stride1D.Dense>[spec.Layers];
        var tensors = new (Tensor Wih, Tensor Whh, Tensor Bih, Tensor Bhh)[spec.Layers];
        for (int l = 0; l < spec.Layers; l++)
        {
            tensors[l] = RecurrentParameters.Layer(spec.Cell, parameters, l, spec.InputSize, spec.HiddenSize);
        }
        for (int l = 0; l < spec.Layers; l++)
        {
            _wih[l] = device.AllocateRaw<float>(tensors[l].Wih.Data);
            _whh[l] = device.AllocateRaw<float>(tensors[l].Whh.Data);
            _bih[l] = device.AllocateRaw<float>(tensors[l].Bih.Data);
            _bhh[l] = device.AllocateRaw<float>(tensors[l].Bhh.Data);
        }
        _capacity = slots;
        _state = device.AllocateZeroed<float>((long)slots * spec.StateSize);
    }

    protected override void GrowSlotsCore(int oldCount, int newCount)
    {
        if (newCount <= _capacity)
        {
            return;
        }
        // Geometric growth: adding agents one at a time copies the states O(log n) times.
        int grown = (int)Math.Min(int.MaxValue / Math.Max(1, StateSize), Math.Max(newCount, Math.Max(4L, _capacity * 2L)));
        MemoryBuffer1D<float, Stride1D.Dense> next = _device.AllocateZeroed<float>((long)grown * StateSize);
        if (oldCount > 0)
        {
            _state.View.SubView(0, (long)oldCount * StateSize).CopyTo(next.View.SubView(0, (long)oldCount * StateSize));
        }
        _state.Dispose();
        _state = next;
        _capacity = grown;
    }

    protected override void ResetSlotCore(int slot) => Row(slot).MemSetToZero();

    protected override void ReadSlotCore(int slot, Span<float> state) => Row(slot).CopyToCPU(state);

    protected override void WriteSlotCore(int slot, ReadOnlySpan<float> state) => Row(slot).CopyFromCPU(state);

    protected override void CopySlotCore(int from, int to) => Row(from).CopyTo(Row(to));

    protected override void SequenceCore(DeviceView<float> input, ReadOnlySpan<int> slots, ReadOnlySpan<float> episodeStarts, DeviceView<float> output, int steps, int batch)
    {
        IlgpuKernelSet k = _device.Kernels;
        int hidden = Spec.HiddenSize;
        int gh = _gates * hidden;
        int rows = steps * batch;
        Ensure(ref _slots, batch);
        Ensure(ref _gx, (long)rows * gh);
        Ensure(ref _gh, (long)batch * gh);
        if (Spec.Layers > 1)
        {
            Ensure(ref _between, (long)rows * hidden);
        }
        ArrayView<int> slotView = _slots!.View.SubView(0, batch);
        slotView.CopyFromCPU(slots);
        bool anyStart = false;
        foreach (float s in episodeStarts)
        {
            if (s != 0f)
            {
                anyStart = true;
                break;
            }
        }
        ArrayView<float> startsView = default;
        if (anyStart)
        {
            Ensure(ref _starts, rows);
            startsView = _starts!.View.SubView(0, rows);
            startsView.CopyFromCPU(episodeStarts);
        }

        ArrayView<float> x = IlgpuDevice.View(input);
        ArrayView<float> y = IlgpuDevice.View(output);
        long stateLength = (long)_capacity * StateSize;
        int perLayer = Spec.Cell == CellKind.Lstm ? 2 * hidden : hidden;
        for (int l = 0; l < Spec.Layers; l++)
        {
            int inWidth = l == 0 ? Spec.InputSize : hidden;
            ArrayView<float> layerIn = l == 0 ? x : _between!.View.SubView(0, (long)rows * hidden);
            ArrayView<float> layerOut = l == Spec.Layers - 1 ? y : _between!.View.SubView(0, (long)rows * hidden);
            // Input gates of every step at once; the layer below's output is fully read before this layer overwrites it.
            k.Gemm(layerIn, null, null, _wih[l].View, _bih[l].View, _gx!.View, rows, gh, inWidth, accumulate: false, Activation.None);
            ArrayView<float> h = _state.View.SubView((long)l * perLayer, stateLength - (long)l * perLayer);
            ArrayView<float> c = Spec.Cell == CellKind.Lstm ? _state.View.SubView((long)l * perLayer + hidden, stateLength - (long)l * perLayer - hidden) : default;
            for (int t = 0; t < steps; t++)
            {
                ArrayView<float>? startsT = anyStart ? startsView.SubView((long)t * batch, batch) : null;
                ArrayView<float> gxT = _gx!.View.SubView((long)t * batch * gh, (long)batch * gh);
                ArrayView<float> outT = layerOut.SubView((long)t * batch * hidden, (long)batch * hidden);
                k.Gemm(h, slotView, startsT, _whh[l].View, _bhh[l].View, _gh!.View, batch, gh, hidden, accumulate: false, Activation.None, lda: StateSize);
                switch (Spec.Cell)
                {
                    case CellKind.Lstm:
                        k.LstmCell(gxT, _gh.View, slotView, startsT, h, c, outT, batch, hidden, StateSize);
                        break;
                    case CellKind.Gru:
                        k.GruCell(gxT, _gh.View, slotView, startsT, h, outT, batch, hidden, StateSize);
                        break;
                    default:
                        k.RnnCell(gxT, _gh.View, slotView, h, outT, batch, hidden, StateSize);
                        break;
                }
            }
        }
    }

    protected override void ReleaseCore()
    {
        foreach (MemoryBuffer1D<float, Stride1D.Dense>[] set in new[] { _wih, _whh, _bih, _bhh })
        {
            foreach (MemoryBuffer1D<float, Stride1D.Dense> w in set)
            {
                w?.Dispose();
            }
        }
        _state.Dispose();
        _slots?.Dispose();
        _starts?.Dispose();
        _gx?.Dispose();
        _gh?.Dispose();
        _between?.Dispose();
    }

    private ArrayView<float> Row(int slot) => _state.View.SubView((long)slot * StateSize, StateSize);

    // Scratch grown to the largest request and reused (no allocation in steady state).
    private void Ensure<T>(ref MemoryBuffer1D<T, Stride1D.Dense>? buffer, long length)
        where T : unmanaged
    {
        if (buffer is null || buffer.Length < length)
        {
            buffer?.Dispose();
            buffer = _device.Accelerator.Allocate1D<T>(Math.Max(1, length));
        }
    }
}
