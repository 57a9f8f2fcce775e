using System.Numerics.Tensors;
using AgentRnn.Core.Kernels;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Core.Compute.Cpu;

/// <summary>A convolution on the CPU: <see cref="Kernels.Conv2d"/>, weights packed once, scratch from the device.</summary>
internal sealed class CpuConvLayer : ConvLayer
{
    private readonly CpuDevice _device;
    private readonly Kernels.Conv2d _conv;

    public CpuConvLayer(CpuDevice device, ConvSpec spec, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
        : base(device, spec)
    {
        _device = device;
        ConvGeometry g = spec.Geometry;
        _conv = new Kernels.Conv2d(weight, bias, g.InChannels, g.OutChannels, g.KernelH, g.KernelW, g.Stride, g.Padding);
    }

    /// <summary>The packed kernel (for cost figures).</summary>
    public Kernels.Conv2d Kernel => _conv;

    protected override void ForwardCore(DeviceView<float> x, DeviceView<float> y, int batch) => Run(CpuDevice.Span(x), y, batch);

    protected override void ForwardCore(DeviceView<byte> frames, DeviceView<float> y, int batch) =>
        Run(((CpuBuffer<byte>)frames.Buffer).Span(frames).Slice(0, batch * Geometry.InputSize), y, batch);

    // Host inputs are read in place: device buffers are host memory here, so there is nothing to upload.
    protected override void ForwardHostCore(ReadOnlySpan<float> x, DeviceView<float> y, int batch) => Run(x, y, batch);

    protected override void ForwardHostCore(ReadOnlySpan<byte> frames, DeviceView<float> y, int batch) => Run(frames, y, batch);

    private void Run(ReadOnlySpan<float> x, DeviceView<float> y, int batch)
    {
        using KernelParallelism.Scope threads = _device.EnterKernels();
        ConvGeometry g = Geometry;
        Span<float> scratch = _device.ConvScratch(_conv.ScratchSize(batch, g.Height, g.Width));
        _conv.ForwardNhwc(x, Spec.InputLayout, CpuDevice.Span(y), batch, g.Height, g.Width, Spec.Fusion, scratch);
        CpuDevice.Touch(y);
    }

    private void Run(ReadOnlySpan<byte> pixels, DeviceView<float> y, int batch)
    {
        using KernelParallelism.Scope threads = _device.EnterKernels();
        ConvGeometry g = Geometry;
        Span<float> scratch = _device.ConvScratch(_conv.ScratchSize(batch, g.Height, g.Width));
        if (Spec.InputScale == 1f / 255f)
        {
            // The fast kernel reads uint8 frames as frames / 255 directly, without a float copy.
            _conv.ForwardNhwc(pixels, CpuDevice.Span(y), batch, g.Height, g.Width, Spec.Fusion, scratch);
        }
        else
        {
            Span<float> scaled = _device.FrameScratch(pixels.Length);
            float scale = Spec.InputScale;
            for (int i = 0; i < pixels.Length; i++)
            {
                scaled[i] = pixels[i] * scale;
            }
            _conv.ForwardNhwc(scaled, Layout.Nchw, CpuDevice.Span(y), batch, g.Height, g.Width, Spec.Fusion, scratch);
        }
        CpuDevice.Touch(y);
    }

    protected override void ReleaseCore()
    {
    }
}

/// <summary>A linear layer on the CPU: <see cref="Kernels.Linear"/>, weights packed once.</summary>
internal sealed class CpuLinearLayer : LinearLayer
{
    private readonly CpuDevice _device;
    private readonly Kernels.Linear _linear;

    public CpuLinearLayer(CpuDevice device, int inFeatures, int outFeatures, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Activation activation)
        : base(device, inFeatures, outFeatures, activation)
    {
        _device = device;
        _linear = new Kernels.Linear(weight, bias, outFeatures, inFeatures, device.Options.WeightPrecision ?? LinearPrecision.Current);
    }

    protected override void ForwardCore(DeviceView<float> x, DeviceView<float> y, int batch) => ForwardHostCore(CpuDevice.Span(x), y, batch);

    // Host inputs are read in place: device buffers are host memory here.
    protected override void ForwardHostCore(ReadOnlySpan<float> x, DeviceView<float> y, int batch)
    {
        using KernelParallelism.Scope threads = _device.EnterKernels();
        _linear.Forward(x, CpuDevice.Span(y), batch, Activation);
        CpuDevice.Touch(y);
    }

    protected override void ReleaseCore()
    {
    }
}

/// <summary>Max pooling on the CPU: <see cref="Kernels.MaxPool2d"/>'s NHWC pass.</summary>
internal sealed class CpuMaxPoolLayer : MaxPoolLayer
{
    private readonly CpuDevice _device;
    private readonly Kernels.MaxPool2d _pool;

    public CpuMaxPoolLayer(CpuDevice device, int kernel, int stride, int padding)
        : base(device, kernel, stride, padding)
    {
        _device = device;
        _pool = new Kernels.MaxPool2d(kernel, stride, padding);
    }

    protected override void ForwardCore(DeviceView<float> x, DeviceView<float> y, int batch, int channels, int height, int width)
    {
        using KernelParallelism.Scope threads = _device.EnterKernels();
        _pool.ForwardNhwc(CpuDevice.Span(x), CpuDevice.Span(y), batch, channels, height, width);
        CpuDevice.Touch(y);
    }

    protected override void ReleaseCore()
    {
    }
}

/// <summary>
/// A recurrent layer on the CPU: the fused <see cref="RecurrentCore"/> (Lstm, Gru, Rnn) over slot states kept in one
/// host array (slots, StateSize). A batch whose slots are 0..batch−1 in order steps the array in place; any other batch
/// is gathered into a scratch block, stepped through all its steps, and scattered back once.
/// </summary>
internal sealed class CpuRecurrentLayer : RecurrentLayer
{
    private readonly CpuDevice _device;
    private readonly RecurrentCore _core;
    private float[] _state;
    private float[] _gathered = [];

    public CpuRecurrentLayer(CpuDevice device, RecurrentSpec spec, Func<string, Tensor> parameters, int slots)
        : base(device, spec, slots)
    {
        _device = device;
        WeightPrecision precision = device.Options.WeightPrecision ?? LinearPrecision.Current;
        using (LinearPrecision.Use(precision))
        {
            _core = RecurrentCore.Create(spec.Cell, spec.InputSize, spec.HiddenSize, spec.Layers, parameters);
        }
        _state = new float[checked(slots * spec.StateSize)];
    }

    /// <summary>The fused core (for cost figures).</summary>
    public RecurrentCore Core => _core;

    protected override void GrowSlotsCore(int oldCount, int newCount)
    {
        int capacity = _state.Length / Math.Max(1, StateSize);
        if (newCount <= capacity)
        {
            return;
        }
        // Grow geometrically so adding agents one at a time copies the states O(log n) times.
        int grown = Math.Max(newCount, Math.Min(int.MaxValue / Math.Max(1, StateSize), Math.Max(4, capacity * 2)));
        Array.Resize(ref _state, checked(grown * StateSize));
    }

    protected override void ResetSlotCore(int slot) => Row(slot).Clear();

    protected override void ReadSlotCore(int slot, Span<float> state) => Row(slot).CopyTo(state);

    protected override void WriteSlotCore(int slot, ReadOnlySpan<float> state) => state.CopyTo(Row(slot));

    protected override void CopySlotCore(int from, int to) => Row(from).CopyTo(Row(to));

    protected override void SequenceCore(DeviceView<float> input, ReadOnlySpan<int> slots, ReadOnlySpan<float> episodeStarts, DeviceView<float> output, int steps, int batch)
    {
        using KernelParallelism.Scope threads = _device.EnterKernels();
        int size = StateSize;
        bool inPlace = true;
        for (int b = 0; b < batch && inPlace; b++)
        {
            inPlace = slots[b] == b;
        }
        Span<float> state;
        if (inPlace)
        {
            state = _state.AsSpan(0, batch * size);
        }
        else
        {
            if (_gathered.Length < batch * size)
            {
                _gathered = new float[batch * size];
            }
            state = _gathered.AsSpan(0, batch * size);
            for (int b = 0; b < batch; b++)
            {
                Row(slots[b]).CopyTo(state.Slice(b * size, size));
            }
        }
        _core.EnsureCapacity(batch);
        ReadOnlySpan<float> x = CpuDevice.Span(input);
        Span<float> y = CpuDevice.Span(output);
        int inputRow = batch * Spec.InputSize;
        int outputRow = batch * Spec.HiddenSize;
        for (int t = 0; t < steps; t++)
        {
            if (!episodeStarts.IsEmpty)
            {
                Reset(state, episodeStarts.Slice(t * batch, batch), size);
            }
            _core.Step(x.Slice(t * inputRow, inputRow), state, y.Slice(t * outputRow, outputRow), batch);
        }
        if (!inPlace)
        {
            for (int b = 0; b < batch; b++)
            {
                state.Slice(b * size, size).CopyTo(Row(slots[b]));
            }
        }
        CpuDevice.Touch(output);
    }

    protected override void ReleaseCore()
    {
        _state = [];
        _gathered = [];
    }

    // state[b] ← state[b]·(1 − starts[b]), as the policy's episode-start mask.
    private static void Reset(Span<float> state, ReadOnlySpan<float> starts, int size)
    {
        for (int b = 0; b < starts.Length; b++)
        {
            float start = starts[b];
            if (start != 0f)
            {
                Span<float> row = state.Slice(b * size, size);
                TensorPrimitives.Multiply(row, 1f - start, row);
            }
        }
    }

    private Span<float> Row(int slot) => _state.AsSpan(slot * StateSize, StateSize);
}
