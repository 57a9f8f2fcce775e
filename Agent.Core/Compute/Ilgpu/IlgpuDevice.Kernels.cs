using AgentRnn.Core.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace AgentRnn.Core.Compute.Ilgpu;

// The raw kernels of ComputeDevice (GEMM, NCHW convolution, LSTM/GRU recurrence over batch-ordered state, row copies),
// which DevicePolicyNetwork runs on; the same ILGPU kernels as the layers.
public sealed partial class IlgpuDevice
{
    private MemoryBuffer1D<int, Stride1D.Dense>? _identity;
    private int _identityCount;
    private MemoryBuffer1D<float, Stride1D.Dense>? _hiddenGates;

    /// <inheritdoc/>
    protected override void GemmCore(DeviceView<float> a, DeviceView<float> b, DeviceView<float> bias, DeviceView<float> c, int m, int n, int k, bool accumulate, Activation activation)
        => Kernels.Gemm(View(a), null, null, View(b), Optional(bias), View(c), m, n, k, accumulate, activation);

    /// <inheritdoc/>
    protected override void Conv2dCore(DeviceView<float> x, DeviceView<float> weight, DeviceView<float> bias, DeviceView<float> y, ConvGeometry geometry, int batch, Activation activation)
        => Kernels.ConvNchw(null, View(x), 1f, View(weight), Optional(bias), View(y), geometry, batch, activation);

    /// <inheritdoc/>
    protected override void Conv2dCore(DeviceView<byte> x, float inputScale, DeviceView<float> weight, DeviceView<float> bias, DeviceView<float> y, ConvGeometry geometry, int batch, Activation activation)
        => Kernels.ConvNchw(View(x), null, inputScale, View(weight), Optional(bias), View(y), geometry, batch, activation);

    /// <inheritdoc/>
    protected override void LstmSequenceCore(DeviceView<float> inputGates, DeviceView<float> hiddenWeight, DeviceView<float> hiddenBias, DeviceView<float> h, DeviceView<float> c, DeviceView<float> episodeStarts, DeviceView<float> output, int steps, int batch, int hidden)
        => Recurrence(4, inputGates, hiddenWeight, hiddenBias, h, c, episodeStarts, output, steps, batch, hidden);

    /// <inheritdoc/>
    protected override void GruSequenceCore(DeviceView<float> inputGates, DeviceView<float> hiddenWeight, DeviceView<float> hiddenBias, DeviceView<float> h, DeviceView<float> episodeStarts, DeviceView<float> output, int steps, int batch, int hidden)
        => Recurrence(3, inputGates, hiddenWeight, hiddenBias, h, default, episodeStarts, output, steps, batch, hidden);

    /// <inheritdoc/>
    protected override void CopyRowsCore(DeviceView<float> source, DeviceView<int> sourceRows, DeviceView<float> destination, DeviceView<int> destinationRows, int rows, int width)
        => Kernels.CopyRows(View(source), Optional(sourceRows), View(destination), Optional(destinationRows), rows, width);

    private static ArrayView<T>? Optional<T>(DeviceView<T> view)
        where T : unmanaged => view.IsEmpty ? null : View(view);

    // Per step: gh = (keep·h)·W_hhᵀ + b_hh (one GEMM), then the cell writes h (and c) in place and the step's output.
    private void Recurrence(int gates, DeviceView<float> inputGates, DeviceView<float> hiddenWeight, DeviceView<float> hiddenBias, DeviceView<float> h, DeviceView<float> c, DeviceView<float> episodeStarts, DeviceView<float> output, int steps, int batch, int hidden)
    {
        if (_identity is null || _identityCount < batch)
        {
            _identity?.Dispose();
            _identity = Accelerator.Allocate1D<int>(batch);
            _identityCount = batch;
            Kernels.Iota(_identity.View, batch);
        }
        long gh = (long)batch * gates * hidden;
        if (_hiddenGates is null || _hiddenGates.Length < gh)
        {
            _hiddenGates?.Dispose();
            _hiddenGates = Accelerator.Allocate1D<float>(gh);
        }
        ArrayView<int> rows = _identity.View.SubView(0, batch);
        ArrayView<float> scratch = _hiddenGates.View.SubView(0, gh);
        ArrayView<float> gx = View(inputGates);
        ArrayView<float> hv = View(h);
        ArrayView<float> y = View(output);
        ArrayView<float>? bias = Optional(hiddenBias);
        for (int t = 0; t < steps; t++)
        {
            ArrayView<float>? starts = episodeStarts.IsEmpty ? null : View(episodeStarts).SubView((long)t * batch, batch);
            ArrayView<float> gxT = gx.SubView(t * gh, gh);
            ArrayView<float> outT = y.SubView((long)t * batch * hidden, (long)batch * hidden);
            Kernels.Gemm(hv, rows, starts, View(hiddenWeight), bias, scratch, batch, gates * hidden, hidden, accumulate: false, Activation.None);
            if (gates == 4)
            {
                Kernels.LstmCell(gxT, scratch, rows, starts, hv, View(c), outT, batch, hidden);
            }
            else
            {
                Kernels.GruCell(gxT, scratch, rows, starts, hv, outT, batch, hidden);
            }
        }
    }

    private void DisposeRawScratch()
    {
        _identity?.Dispose();
        _hiddenGates?.Dispose();
    }
}
