using System.Numerics.Tensors;
using Agent.Core.Kernels;

namespace Agent.Core.Compute.Cpu;

/// <summary>
/// The default backend: buffers are managed arrays and kernels are Agent.Core.Kernels (Gemm, Conv2d, Activations)
/// on the calling thread. Needs no native runtime and never loads OpenCL.
/// </summary>
/// <remarks>Thread-safety: one thread at a time; the device owns scratch memory grown once and reused.</remarks>
public sealed class CpuDevice : ComputeDevice
{
    private readonly Dictionary<ConvKey, ConvEntry> _convs = [];
    private float[] _scratch = [];
    private float[] _frames = [];

    /// <inheritdoc/>
    public override ComputeBackendKind Kind => ComputeBackendKind.Cpu;

    /// <inheritdoc/>
    public override string Name => "cpu";

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
        _scratch = [];
        _frames = [];
    }

    /// <inheritdoc/>
    protected override void GemmCore(DeviceView<float> a, DeviceView<float> b, DeviceView<float> bias, DeviceView<float> c, int m, int n, int k, bool accumulate, Activation activation)
    {
        Span<float> cs = Span(c);
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
        Layer(weight, bias, geometry).Forward(Span(x), Span(y), batch, geometry.Height, geometry.Width, activation);
        Touch(y);
    }

    /// <inheritdoc/>
    protected override void Conv2dCore(DeviceView<byte> x, float inputScale, DeviceView<float> weight, DeviceView<float> bias, DeviceView<float> y, ConvGeometry geometry, int batch, Activation activation)
    {
        int count = batch * geometry.InputSize;
        if (_frames.Length < count)
        {
            _frames = new float[count];
        }
        Span<float> frames = _frames.AsSpan(0, count);
        ReadOnlySpan<byte> pixels = ((CpuBuffer<byte>)x.Buffer).Span(x).Slice(0, count);
        for (int i = 0; i < pixels.Length; i++)
        {
            frames[i] = pixels[i] * inputScale;
        }
        Layer(weight, bias, geometry).Forward(frames, Span(y), batch, geometry.Height, geometry.Width, activation);
        Touch(y);
    }

    /// <inheritdoc/>
    protected override void LstmSequenceCore(DeviceView<float> inputGates, DeviceView<float> hiddenWeight, DeviceView<float> hiddenBias, DeviceView<float> h, DeviceView<float> c, DeviceView<float> episodeStarts, DeviceView<float> output, int steps, int batch, int hidden)
    {
        int width = 4 * hidden;
        Span<float> gates = Scratch(batch * width);
        Span<float> hs = Span(h).Slice(0, batch * hidden);
        Span<float> cs = Span(c).Slice(0, batch * hidden);
        ReadOnlySpan<float> weight = Span(hiddenWeight);
        ReadOnlySpan<float> bias = hiddenBias.IsEmpty ? default : Span(hiddenBias);
        for (int t = 0; t < steps; t++)
        {
            Reset(episodeStarts, t, batch, hidden, hs, cs);
            Span(inputGates).Slice(t * batch * width, batch * width).CopyTo(gates);
            AddRows(gates, bias, batch, width);
            Kernels.Gemm.MultiplyTransposedB(hs, weight, gates, batch, width, hidden, accumulate: true);
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
        ReadOnlySpan<float> weight = Span(hiddenWeight);
        ReadOnlySpan<float> bias = hiddenBias.IsEmpty ? default : Span(hiddenBias);
        for (int t = 0; t < steps; t++)
        {
            Reset(episodeStarts, t, batch, hidden, hs, default);
            gh.Clear();
            AddRows(gh, bias, batch, width);
            Kernels.Gemm.MultiplyTransposedB(hs, weight, gh, batch, width, hidden, accumulate: true);
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

    private static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    private static Span<float> Span(DeviceView<float> view) => ((CpuBuffer<float>)view.Buffer).Span(view);

    private static void Touch(DeviceView<float> view) => ((CpuBuffer<float>)view.Buffer).Touch();

    /// <summary>rows (batch, width) += bias (width) per row; no-op for an empty bias.</summary>
    private static void AddRows(Span<float> rows, ReadOnlySpan<float> bias, int batch, int width)
    {
        if (bias.IsEmpty)
        {
            return;
        }
        for (int b = 0; b < batch; b++)
        {
            Span<float> row = rows.Slice(b * width, width);
            TensorPrimitives.Add(row, bias.Slice(0, width), row);
        }
    }

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

    private readonly record struct ConvKey(CpuBuffer<float> Weight, int WeightOffset, CpuBuffer<float>? Bias, int BiasOffset, ConvGeometry Geometry);

    private readonly record struct ConvEntry(int WeightVersion, int BiasVersion, Kernels.Conv2d Layer);
}
