using System.Numerics.Tensors;
using AgentRnn.Core.Kernels;

namespace AgentRnn.Core.Compute.Cpu;

/// <summary>
/// The default device: buffers are managed arrays and layers are AgentRnn.Core.Kernels (Conv2d, Linear, MaxPool2d)
/// and the fused recurrent cores (AgentRnn.Core.Recurrent), run on the calling thread plus up to
/// <see cref="CpuDeviceOptions.Threads"/> − 1 kernel workers. Needs no native runtime.
/// </summary>
/// <remarks>Thread-safety: one thread at a time; the device owns scratch memory grown once and reused.</remarks>
public sealed class CpuDevice : ComputeDevice
{
    /// <summary>A CPU device with <paramref name="options"/> (default: every kernel thread, float32 weights).</summary>
    public CpuDevice(CpuDeviceOptions? options = null)
    {
        Options = options ?? CpuDeviceOptions.Default;
        Options.Validate();
    }

    /// <summary>This instance's settings.</summary>
    public CpuDeviceOptions Options { get; }

    private readonly Dictionary<ConvKey, ConvEntry> _convs = [];
    private readonly Dictionary<LinearKey, LinearEntry> _linears = [];
    private float[] _scratch = [];
    private float[] _frames = [];
    private float[] _convScratch = [];

    /// <inheritdoc/>
    public override ComputeBackendKind Kind => ComputeBackendKind.Cpu;

    /// <inheritdoc/>
    public override string Name => "cpu";

    /// <inheritdoc/>
    public override long MemoryBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>Caps the kernel threads of the calling thread at this device's <see cref="CpuDeviceOptions.Threads"/> until disposed.</summary>
    internal KernelParallelism.Scope EnterKernels() => KernelParallelism.Limit(Options.Threads);

    /// <summary>The convolutions' shared scratch, grown once to the largest request.</summary>
    internal Span<float> ConvScratch(int count)
    {
        if (_convScratch.Length < count)
        {
            _convScratch = new float[count];
        }
        return _convScratch.AsSpan(0, count);
    }

    /// <summary>Scratch for uint8 frames scaled to float, grown once to the largest request.</summary>
    internal Span<float> FrameScratch(int count)
    {
        if (_frames.Length < count)
        {
            _frames = new float[count];
        }
        return _frames.AsSpan(0, count);
    }

    /// <inheritdoc/>
    protected override ConvLayer CreateConvCore(ConvSpec spec, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias) => new CpuConvLayer(this, spec, weight, bias);

    /// <inheritdoc/>
    protected override LinearLayer CreateLinearCore(int inFeatures, int outFeatures, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Activation activation) =>
        new CpuLinearLayer(this, inFeatures, outFeatures, weight, bias, activation);

    /// <inheritdoc/>
    protected override RecurrentLayer CreateRecurrentCore(RecurrentSpec spec, Func<string, Tensor> parameters, int slots) => new CpuRecurrentLayer(this, spec, parameters, slots);

    /// <inheritdoc/>
    protected override MaxPoolLayer CreateMaxPool2dCore(int kernel, int stride, int padding) => new CpuMaxPoolLayer(this, kernel, stride, padding);

    /// <inheritdoc/>
    protected override void ActivateCore(DeviceView<float> x, Activation activation)
    {
        Activations.Apply(activation, Span(x));
        Touch(x);
    }

    /// <inheritdoc/>
    protected override void CopyCore(DeviceView<float> source, DeviceView<float> destination)
    {
        Span(source).CopyTo(Span(destination));
        Touch(destination);
    }

    /// <inheritdoc/>
    protected override DeviceBuffer<T> AllocateCore<T>(int length) => new CpuBuffer<T>(this, length);

    /// <inheritdoc/>
    protected override void SynchronizeCore()
    {
    }

    /// <inheritdoc/>
    protected override void DisposeCore()
    {
        _convs.Clear();
        _linears.Clear();
        _scratch = [];
        _frames = [];
        _convScratch = [];
    }

    /// <inheritdoc/>
    protected override void GemmCore(DeviceView<float> a, DeviceView<float> b, DeviceView<float> bias, DeviceView<float> c, int m, int n, int k, bool accumulate, Activation activation)
    {
        Span<float> cs = Span(c);
        if (!accumulate)
        {
            // b is almost always a weight: Kernels.Linear packs it once instead of on every call.
            LinearLayer(b, bias, n, k).Forward(Span(a), cs, m, activation);
            Touch(c);
            return;
        }
        Kernels.Gemm.MultiplyTransposedB(Span(a), Span(b), cs, m, n, k, accumulate);
        ReadOnlySpan<float> biasSpan = bias.IsEmpty ? default : Span(bias);
        for (int i = 0; i < m; i++)
        {
            Span<float> row = cs.Slice(i * n, n);
            if (!biasSpan.IsEmpty)
            {
                TensorPrimitives.Add(row, biasSpan.Slice(0, n), row);
            }
            Activations.Apply(activation, row);
        }
        Touch(c);
    }

    /// <inheritdoc/>
    protected override void Conv2dCore(DeviceView<float> x, DeviceView<float> weight, DeviceView<float> bias, DeviceView<float> y, ConvGeometry geometry, int batch, Activation activation)
    {
        Kernels.Conv2d layer = Layer(weight, bias, geometry);
        int scratchLength = ConvScratch(layer, geometry, batch);
        Span<float> scratch = _convScratch.AsSpan(0, scratchLength);
        Span<float> nhwc = _convScratch.AsSpan(scratchLength, batch * geometry.OutputSize);
        layer.ForwardNhwc(Span(x), Layout.Nchw, nhwc, batch, geometry.Height, geometry.Width, FusionFor(activation), scratch);
        ToNchw(nhwc, Span(y), geometry, batch, activation);
        Touch(y);
    }

    /// <inheritdoc/>
    protected override void Conv2dCore(DeviceView<byte> x, float inputScale, DeviceView<float> weight, DeviceView<float> bias, DeviceView<float> y, ConvGeometry geometry, int batch, Activation activation)
    {
        Kernels.Conv2d layer = Layer(weight, bias, geometry);
        int scratchLength = ConvScratch(layer, geometry, batch);
        Span<float> scratch = _convScratch.AsSpan(0, scratchLength);
        Span<float> nhwc = _convScratch.AsSpan(scratchLength, batch * geometry.OutputSize);
        int count = batch * geometry.InputSize;
        ReadOnlySpan<byte> pixels = ((CpuBuffer<byte>)x.Buffer).Span(x).Slice(0, count);
        if (inputScale == 1f / 255f)
        {
            // The fast kernel reads uint8 frames as frames / 255 directly, without a float copy.
            layer.ForwardNhwc(pixels, nhwc, batch, geometry.Height, geometry.Width, FusionFor(activation), scratch);
        }
        else
        {
            if (_frames.Length < count)
            {
                _frames = new float[count];
            }
            Span<float> frames = _frames.AsSpan(0, count);
            for (int i = 0; i < pixels.Length; i++)
            {
                frames[i] = pixels[i] * inputScale;
            }
            layer.ForwardNhwc(frames, Layout.Nchw, nhwc, batch, geometry.Height, geometry.Width, FusionFor(activation), scratch);
        }
        ToNchw(nhwc, Span(y), geometry, batch, activation);
        Touch(y);
    }

    /// <inheritdoc/>
    protected override void LstmSequenceCore(DeviceView<float> inputGates, DeviceView<float> hiddenWeight, DeviceView<float> hiddenBias, DeviceView<float> h, DeviceView<float> c, DeviceView<float> episodeStarts, DeviceView<float> output, int steps, int batch, int hidden)
    {
        int width = 4 * hidden;
        Span<float> gates = Scratch(batch * width);
        Span<float> hs = Span(h).Slice(0, batch * hidden);
        Span<float> cs = Span(c).Slice(0, batch * hidden);
        // gates = h·W_hhᵀ + b_hh (a Linear that packs W_hh once), then + the input gates.
        Kernels.Linear recurrent = LinearLayer(hiddenWeight, hiddenBias, width, hidden);
        for (int t = 0; t < steps; t++)
        {
            Reset(episodeStarts, t, batch, hidden, hs, cs);
            recurrent.Forward(hs, gates, batch);
            TensorPrimitives.Add(gates, Span(inputGates).Slice(t * batch * width, batch * width), gates);
            Span<float> outT = Span(output).Slice(t * batch * hidden, batch * hidden);
            for (int b = 0; b < batch; b++)
            {
                Span<float> g = gates.Slice(b * width, width);
                for (int j = 0; j < hidden; j++)
                {
                    float i = Sigmoid(g[j]);
                    float f = Sigmoid(g[hidden + j]);
                    float cell = MathF.Tanh(g[2 * hidden + j]);
                    float o = Sigmoid(g[3 * hidden + j]);
                    int at = b * hidden + j;
                    float cNew = f * cs[at] + i * cell;
                    cs[at] = cNew;
                    hs[at] = o * MathF.Tanh(cNew);
                }
            }
            hs.CopyTo(outT);
        }
        Touch(h);
        Touch(c);
        Touch(output);
    }

    /// <inheritdoc/>
    protected override void GruSequenceCore(DeviceView<float> inputGates, DeviceView<float> hiddenWeight, DeviceView<float> hiddenBias, DeviceView<float> h, DeviceView<float> episodeStarts, DeviceView<float> output, int steps, int batch, int hidden)
    {
        int width = 3 * hidden;
        Span<float> gh = Scratch(batch * width);
        Span<float> hs = Span(h).Slice(0, batch * hidden);
        Kernels.Linear recurrent = LinearLayer(hiddenWeight, hiddenBias, width, hidden);
        for (int t = 0; t < steps; t++)
        {
            Reset(episodeStarts, t, batch, hidden, hs, default);
            recurrent.Forward(hs, gh, batch);
            ReadOnlySpan<float> gi = Span(inputGates).Slice(t * batch * width, batch * width);
            for (int b = 0; b < batch; b++)
            {
                int row = b * width;
                for (int j = 0; j < hidden; j++)
                {
                    float r = Sigmoid(gi[row + j] + gh[row + j]);
                    float z = Sigmoid(gi[row + hidden + j] + gh[row + hidden + j]);
                    float n = MathF.Tanh(gi[row + 2 * hidden + j] + r * gh[row + 2 * hidden + j]);
                    int at = b * hidden + j;
                    hs[at] = (1f - z) * n + z * hs[at];
                }
            }
            hs.CopyTo(Span(output).Slice(t * batch * hidden, batch * hidden));
        }
        Touch(h);
        Touch(output);
    }

    /// <inheritdoc/>
    protected override void CopyRowsCore(DeviceView<float> source, DeviceView<int> sourceRows, DeviceView<float> destination, DeviceView<int> destinationRows, int rows, int width)
    {
        Span<float> from = Span(source);
        Span<float> to = Span(destination);
        ReadOnlySpan<int> fromRows = sourceRows.IsEmpty ? default : ((CpuBuffer<int>)sourceRows.Buffer).Span(sourceRows);
        ReadOnlySpan<int> toRows = destinationRows.IsEmpty ? default : ((CpuBuffer<int>)destinationRows.Buffer).Span(destinationRows);
        for (int r = 0; r < rows; r++)
        {
            int s = fromRows.IsEmpty ? r : fromRows[r];
            int d = toRows.IsEmpty ? r : toRows[r];
            from.Slice(s * width, width).CopyTo(to.Slice(d * width, width));
        }
        Touch(destination);
    }

    private static Fusion FusionFor(Activation activation) => activation == Activation.ReLU ? Fusion.ReluOutput : Fusion.None;

    /// <summary>y (batch, out, oh, ow) ← nhwc (batch, oh, ow, out), then activations the convolution did not fuse.</summary>
    private static void ToNchw(ReadOnlySpan<float> nhwc, Span<float> y, ConvGeometry geometry, int batch, Activation activation)
    {
        int channels = geometry.OutChannels;
        int plane = geometry.OutHeight * geometry.OutWidth;
        for (int n = 0; n < batch; n++)
        {
            for (int p = 0; p < plane; p++)
            {
                ReadOnlySpan<float> pixel = nhwc.Slice((n * plane + p) * channels, channels);
                for (int o = 0; o < channels; o++)
                {
                    y[(n * channels + o) * plane + p] = pixel[o];
                }
            }
        }
        if (activation is not (Activation.None or Activation.ReLU))
        {
            Activations.Apply(activation, y.Slice(0, batch * geometry.OutputSize));
        }
    }

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    internal static Span<float> Span(DeviceView<float> view) => ((CpuBuffer<float>)view.Buffer).Span(view);

    internal static void Touch(DeviceView<float> view) => ((CpuBuffer<float>)view.Buffer).Touch();

    /// <summary>h and c (batch, H) rows scaled by 1 − episodeStarts[t, b]; c may be empty (GRU).</summary>
    private static void Reset(DeviceView<float> episodeStarts, int t, int batch, int hidden, Span<float> h, Span<float> c)
    {
        if (episodeStarts.IsEmpty)
        {
            return;
        }
        ReadOnlySpan<float> starts = Span(episodeStarts).Slice(t * batch, batch);
        for (int b = 0; b < batch; b++)
        {
            float keep = 1f - starts[b];
            if (keep == 1f)
            {
                continue;
            }
            TensorPrimitives.Multiply(h.Slice(b * hidden, hidden), keep, h.Slice(b * hidden, hidden));
            if (!c.IsEmpty)
            {
                TensorPrimitives.Multiply(c.Slice(b * hidden, hidden), keep, c.Slice(b * hidden, hidden));
            }
        }
    }

    /// <summary>
    /// Grows the device-owned array holding the convolution's scratch and its NHWC output; returns the scratch length
    /// (the output follows it).
    /// </summary>
    private int ConvScratch(Kernels.Conv2d layer, ConvGeometry geometry, int batch)
    {
        int scratch = layer.ScratchSize(batch, geometry.Height, geometry.Width);
        int output = batch * geometry.OutputSize;
        if (_convScratch.Length < scratch + output)
        {
            _convScratch = new float[scratch + output];
        }
        return scratch;
    }

    private Span<float> Scratch(int count)
    {
        if (_scratch.Length < count)
        {
            _scratch = new float[count];
        }
        return _scratch.AsSpan(0, count);
    }

    /// <summary>
    /// The Conv2d layer for a weight/bias pair. Kernels.Conv2d copies (and may repack) its weight once, so layers
    /// are cached per weight view and rebuilt only when the weight or bias buffer has been written since.
    /// </summary>
    private Kernels.Conv2d Layer(DeviceView<float> weight, DeviceView<float> bias, ConvGeometry geometry)
    {
        var wb = (CpuBuffer<float>)weight.Buffer;
        var bb = bias.IsEmpty ? null : (CpuBuffer<float>)bias.Buffer;
        var key = new ConvKey(wb, weight.Offset, bb, bias.Offset, geometry);
        int biasVersion = bb?.Version ?? 0;
        if (_convs.TryGetValue(key, out ConvEntry entry) && entry.WeightVersion == wb.Version && entry.BiasVersion == biasVersion)
        {
            return entry.Layer;
        }
        ReadOnlySpan<float> biasSpan = bb is null ? default : bb.Span(bias).Slice(0, geometry.OutChannels);
        var layer = new Kernels.Conv2d(wb.Span(weight).Slice(0, geometry.WeightSize), biasSpan, geometry.InChannels, geometry.OutChannels, geometry.KernelH, geometry.KernelW, geometry.Stride, geometry.Padding);
        _convs[key] = new ConvEntry(wb.Version, biasVersion, layer);
        return layer;
    }

    /// <summary>The Linear layer for a weight (n, k) and bias view, cached like <see cref="Layer"/>.</summary>
    private Kernels.Linear LinearLayer(DeviceView<float> weight, DeviceView<float> bias, int n, int k)
    {
        var wb = (CpuBuffer<float>)weight.Buffer;
        var bb = bias.IsEmpty ? null : (CpuBuffer<float>)bias.Buffer;
        var key = new LinearKey(wb, weight.Offset, bb, bias.Offset, n, k);
        int biasVersion = bb?.Version ?? 0;
        if (_linears.TryGetValue(key, out LinearEntry entry) && entry.WeightVersion == wb.Version && entry.BiasVersion == biasVersion)
        {
            return entry.Layer;
        }
        ReadOnlySpan<float> biasSpan = bb is null ? default : bb.Span(bias).Slice(0, n);
        var layer = new Kernels.Linear(wb.Span(weight).Slice(0, n * k), biasSpan, n, k);
        _linears[key] = new LinearEntry(wb.Version, biasVersion, layer);
        return layer;
    }

    private readonly record struct LinearKey(CpuBuffer<float> Weight, int WeightOffset, CpuBuffer<float>? Bias, int BiasOffset, int N, int K);

    private readonly record struct LinearEntry(int WeightVersion, int BiasVersion, Kernels.Linear Layer);

    private readonly record struct ConvKey(CpuBuffer<float> Weight, int WeightOffset, CpuBuffer<float>? Bias, int BiasOffset, ConvGeometry Geometry);

    private readonly record struct ConvEntry(int WeightVersion, int BiasVersion, Kernels.Conv2d Layer);
}
