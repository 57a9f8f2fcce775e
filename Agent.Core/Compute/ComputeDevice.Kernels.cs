using AgentRnn.Core.Kernels;

namespace AgentRnn.Core.Compute;

public abstract partial class ComputeDevice
{
    /// <summary>
    /// c (m, n) = act(a (m, k) · bᵀ + bias [+ c]), where b is (n, k) row-major — PyTorch's Linear weight layout —
    /// and bias is (n) or empty. With <paramref name="accumulate"/> the previous c is added before the activation.
    /// </summary>
    public void Gemm(DeviceView<float> a, DeviceView<float> b, DeviceView<float> bias, DeviceView<float> c, int m, int n, int k, bool accumulate = false, Activation activation = Activation.None)
    {
        ThrowIfDisposed();
        if (m <= 0 || n <= 0 || k <= 0)
        {
            throw new ArgumentException($"GEMM sizes must be positive: m={m} n={n} k={k}");
        }
        Require(a, nameof(a), (long)m * k);
        Require(b, nameof(b), (long)n * k);
        RequireOptional(bias, nameof(bias), n);
        Require(c, nameof(c), (long)m * n);
        CheckActivation(activation);
        GemmCore(a, b, bias, c, m, n, k, accumulate, activation);
    }

    /// <summary>
    /// y (batch, out, oh, ow) = act(conv(x (batch, in, h, w), weight (out, in, kh, kw)) + bias (out)), bias optional.
    /// </summary>
    public void Conv2d(DeviceView<float> x, DeviceView<float> weight, DeviceView<float> bias, DeviceView<float> y, ConvGeometry geometry, int batch, Activation activation = Activation.None)
    {
        CheckConv(weight, bias, y, geometry, batch, activation);
        Require(x, nameof(x), (long)batch * geometry.InputSize);
        Conv2dCore(x, weight, bias, y, geometry, batch, activation);
    }

    /// <summary>
    /// As <see cref="Conv2d(DeviceView{float}, DeviceView{float}, DeviceView{float}, DeviceView{float}, ConvGeometry, int, Activation)"/>
    /// on uint8 frames x (batch, in, h, w), each pixel multiplied by <paramref name="inputScale"/> (1/255 for
    /// [0, 1] inputs) on the device, so a step uploads the raw frame once.
    /// </summary>
    public void Conv2d(DeviceView<byte> x, float inputScale, DeviceView<float> weight, DeviceView<float> bias, DeviceView<float> y, ConvGeometry geometry, int batch, Activation activation = Activation.None)
    {
        CheckConv(weight, bias, y, geometry, batch, activation);
        Require(x, nameof(x), (long)batch * geometry.InputSize);
        Conv2dCore(x, inputScale, weight, bias, y, geometry, batch, activation);
    }

    /// <summary>
    /// Runs an LSTM layer's recurrence over <paramref name="steps"/> time steps for <paramref name="batch"/> streams
    /// (gate order i, f, g, o). inputGates is (steps, batch, 4H) = x·W_ihᵀ + b_ih, precomputed with one
    /// <see cref="Gemm"/> over all steps; hiddenWeight is W_hh (4H, H) as PyTorch stores it; hiddenBias is b_hh (4H) or empty.
    /// h and c are (batch, H), read as the state before the first step and left as the state after the last.
    /// episodeStarts is (steps, batch) or empty: before step t the state of stream b is multiplied by
    /// (1 − episodeStarts[t, b]). output is (steps, batch, H), the new h of every step. inputGates is not modified.
    /// </summary>
    public void LstmSequence(DeviceView<float> inputGates, DeviceView<float> hiddenWeight, DeviceView<float> hiddenBias, DeviceView<float> h, DeviceView<float> c, DeviceView<float> episodeStarts, DeviceView<float> output, int steps, int batch, int hidden)
    {
        CheckRecurrence(inputGates, hiddenWeight, hiddenBias, h, episodeStarts, output, steps, batch, hidden, 4);
        Require(c, nameof(c), (long)batch * hidden);
        LstmSequenceCore(inputGates, hiddenWeight, hiddenBias, h, c, episodeStarts, output, steps, batch, hidden);
    }

    /// <summary>
    /// Runs a GRU layer's recurrence (gate order r, z, n; n = tanh(x_n + r·(W_hn h + b_hn))) over
    /// <paramref name="steps"/> steps. inputGates is (steps, batch, 3H) = x·W_ihᵀ + b_ih; hiddenWeight is W_hh
    /// (3H, H); hiddenBias is b_hh (3H) or empty; h is (batch, H), updated in place; episodeStarts
    /// and output as in <see cref="LstmSequence"/>.
    /// </summary>
    public void GruSequence(DeviceView<float> inputGates, DeviceView<float> hiddenWeight, DeviceView<float> hiddenBias, DeviceView<float> h, DeviceView<float> episodeStarts, DeviceView<float> output, int steps, int batch, int hidden)
    {
        CheckRecurrence(inputGates, hiddenWeight, hiddenBias, h, episodeStarts, output, steps, batch, hidden, 3);
        GruSequenceCore(inputGates, hiddenWeight, hiddenBias, h, episodeStarts, output, steps, batch, hidden);
    }

    /// <summary>
    /// Copies <paramref name="rows"/> rows of <paramref name="width"/> floats: row r of the result is destination row
    /// destinationRows[r] (or r when empty) ← source row sourceRows[r] (or r when empty). Gathers per-stream state into
    /// a batch and scatters it back. Indices are not range-checked on the device; callers keep them below the row
    /// counts their views hold. Rows must not overlap between source and destination.
    /// </summary>
    public void CopyRows(DeviceView<float> source, DeviceView<int> sourceRows, DeviceView<float> destination, DeviceView<int> destinationRows, int rows, int width)
    {
        ThrowIfDisposed();
        if (rows <= 0 || width <= 0)
        {
            throw new ArgumentException($"row copy sizes must be positive: rows={rows} width={width}");
        }
        Require(source, nameof(source), sourceRows.IsEmpty ? (long)rows * width : width);
        RequireOptional(sourceRows, nameof(sourceRows), rows);
        Require(destination, nameof(destination), destinationRows.IsEmpty ? (long)rows * width : width);
        RequireOptional(destinationRows, nameof(destinationRows), rows);
        CopyRowsCore(source, sourceRows, destination, destinationRows, rows, width);
    }

    /// <summary>Row copy on checked arguments; see <see cref="CopyRows"/>.</summary>
    protected virtual void CopyRowsCore(DeviceView<float> source, DeviceView<int> sourceRows, DeviceView<float> destination, DeviceView<int> destinationRows, int rows, int width) => throw RawKernelsRetired();

    /// <summary>GEMM on checked arguments; see <see cref="Gemm"/>.</summary>
    protected virtual void GemmCore(DeviceView<float> a, DeviceView<float> b, DeviceView<float> bias, DeviceView<float> c, int m, int n, int k, bool accumulate, Activation activation) => throw RawKernelsRetired();

    /// <summary>Float convolution on checked arguments.</summary>
    protected virtual void Conv2dCore(DeviceView<float> x, DeviceView<float> weight, DeviceView<float> bias, DeviceView<float> y, ConvGeometry geometry, int batch, Activation activation) => throw RawKernelsRetired();

    /// <summary>uint8 convolution on checked arguments.</summary>
    protected virtual void Conv2dCore(DeviceView<byte> x, float inputScale, DeviceView<float> weight, DeviceView<float> bias, DeviceView<float> y, ConvGeometry geometry, int batch, Activation activation) => throw RawKernelsRetired();

    /// <summary>LSTM recurrence on checked arguments; see <see cref="LstmSequence"/>.</summary>
    protected virtual void LstmSequenceCore(DeviceView<float> inputGates, DeviceView<float> hiddenWeight, DeviceView<float> hiddenBias, DeviceView<float> h, DeviceView<float> c, DeviceView<float> episodeStarts, DeviceView<float> output, int steps, int batch, int hidden) => throw RawKernelsRetired();

    /// <summary>GRU recurrence on checked arguments; see <see cref="GruSequence"/>.</summary>
    protected virtual void GruSequenceCore(DeviceView<float> inputGates, DeviceView<float> hiddenWeight, DeviceView<float> hiddenBias, DeviceView<float> h, DeviceView<float> episodeStarts, DeviceView<float> output, int steps, int batch, int hidden) => throw RawKernelsRetired();

    // The raw kernels below serve only the retiring DevicePolicyNetwork; devices implement the layer API instead.
    private NotSupportedException RawKernelsRetired() => new($"the {Name} device runs layers (CreateConv, CreateLinear, CreateRecurrent, CreateMaxPool2d), not raw kernels");

    private void CheckConv(DeviceView<float> weight, DeviceView<float> bias, DeviceView<float> y, ConvGeometry geometry, int batch, Activation activation)
    {
        ThrowIfDisposed();
        if (geometry.InChannels == 0)
        {
            throw new ArgumentException("conv geometry is unset");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        Require(weight, nameof(weight), geometry.WeightSize);
        RequireOptional(bias, nameof(bias), geometry.OutChannels);
        Require(y, nameof(y), (long)batch * geometry.OutputSize);
        CheckActivation(activation);
    }

    private void CheckRecurrence(DeviceView<float> inputGates, DeviceView<float> hiddenWeight, DeviceView<float> hiddenBias, DeviceView<float> h, DeviceView<float> episodeStarts, DeviceView<float> output, int steps, int batch, int hidden, int gates)
    {
        ThrowIfDisposed();
        if (steps <= 0 || batch <= 0 || hidden <= 0)
        {
            throw new ArgumentException($"recurrence sizes must be positive: steps={steps} batch={batch} hidden={hidden}");
        }
        Require(inputGates, nameof(inputGates), (long)steps * batch * gates * hidden);
        Require(hiddenWeight, nameof(hiddenWeight), (long)gates * hidden * hidden);
        RequireOptional(hiddenBias, nameof(hiddenBias), gates * hidden);
        Require(h, nameof(h), (long)batch * hidden);
        RequireOptional(episodeStarts, nameof(episodeStarts), (long)steps * batch);
        Require(output, nameof(output), (long)steps * batch * hidden);
        if (ReferenceEquals(output.Buffer, h.Buffer) && output.Offset < h.Offset + h.Length && h.Offset < output.Offset + output.Length)
        {
            throw new ArgumentException("output overlaps h; the recurrence reads the previous h while it writes the new one", nameof(output));
        }
    }

    private void Require<T>(DeviceView<T> view, string name, long needed)
        where T : unmanaged
    {
        if (view.IsEmpty)
        {
            throw new ArgumentException($"{name} is empty; needs {needed} elements", name);
        }
        RequireOptional(view, name, needed);
    }

    private void RequireOptional<T>(DeviceView<T> view, string name, long needed)
        where T : unmanaged
    {
        if (view.IsEmpty)
        {
            return;
        }
        if (!ReferenceEquals(view.Buffer.Device, this))
        {
            throw new ArgumentException($"{name} belongs to another device ({view.Buffer.Device.Name}), not {Name}", name);
        }
        view.Buffer.ThrowIfDisposed();
        if (view.Length < needed)
        {
            throw new ArgumentException($"{name} holds {view.Length} elements, needs {needed}", name);
        }
    }

    private static void CheckActivation(Activation activation)
    {
        if (!Enum.IsDefined(activation))
        {
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation");
        }
    }
}
