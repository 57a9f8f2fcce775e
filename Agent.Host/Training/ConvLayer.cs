using AgentRnn.Core.Kernels;

namespace AgentRnn.Host.Training;

/// <summary>
/// A valid (unpadded) strided convolution over NCHW rows with its activation and backward pass, through im2col and
/// the GEMM kernels: forward Y = W·col, backward dW += dY·colᵀ, dcol = Wᵀ·dY scattered back (col2im). Columns are
/// rebuilt in the backward pass rather than cached. The first layer of an image encoder takes the frames' bytes
/// scaled to floats by the network; it needs no input gradient.
/// </summary>
internal sealed class ConvLayer
{
    private readonly int _kernel;
    private readonly int _stride;
    private float[] _x = [];
    private float[] _y = [];
    private float[] _dx = [];
    private float[] _col = [];
    private float[] _dcol = [];
    private float[] _wt = [];
    private float[] _dyc = [];
    private int _n;

    public ConvLayer(TrainParameter weight, TrainParameter bias, int stride, int height, int width, Activation activation)
    {
        Weight = weight;
        Bias = bias;
        OutChannels = weight.Shape[0];
        InChannels = weight.Shape[1];
        _kernel = weight.Shape[2];
        _stride = stride;
        Height = height;
        Width = width;
        OutHeight = (height - _kernel) / stride + 1;
        OutWidth = (width - _kernel) / stride + 1;
        Activation = activation;
    }

    public TrainParameter Weight { get; }
    public TrainParameter Bias { get; }
    public Activation Activation { get; }
    public int InChannels { get; }
    public int OutChannels { get; }
    public int Height { get; }
    public int Width { get; }
    public int OutHeight { get; }
    public int OutWidth { get; }
    public int InSize => InChannels * Height * Width;
    public int OutSize => OutChannels * OutHeight * OutWidth;
    private int Positions => OutHeight * OutWidth;
    private int Patch => InChannels * _kernel * _kernel;

    public float[] Output => _y;
    public float[] InputGrad => _dx;

    // Samples per GEMM: im2col of a chunk of samples side by side, so each product is wide (N·P columns).
    private int Chunk(int n) => Math.Clamp((1 << 20) / (Patch * Positions), 1, n);

    public void Forward(float[] x, int n)
    {
        _x = x;
        _n = n;
        int p = Positions, patch = Patch, chunk = Chunk(n);
        Scratch.Ensure(ref _y, n * OutSize);
        Scratch.Ensure(ref _col, patch * p * chunk);
        Scratch.Ensure(ref _dcol, OutChannels * p * chunk);
        for (int s0 = 0; s0 < n; s0 += chunk)
        {
            int m = Math.Min(chunk, n - s0), width = m * p;
            Span<float> col = _col.AsSpan(0, patch * width);
            for (int s = 0; s < m; s++)
            {
                Im2Col(x.AsSpan((s0 + s) * InSize, InSize), col, width, s * p);
            }
            Span<float> yc = _dcol.AsSpan(0, OutChannels * width);
            Gemm.Multiply(Weight.Data, col, yc, OutChannels, width, patch);
            for (int s = 0; s < m; s++)
            {
                Span<float> y = _y.AsSpan((s0 + s) * OutSize, OutSize);
                for (int o = 0; o < OutChannels; o++)
                {
                    Span<float> dst = y.Slice(o * p, p);
                    yc.Slice(o * width + s * p, p).CopyTo(dst);
                    dst.Add(Bias.Data[o]);
                }
            }
        }
        DenseLayer.Activate(Activation, _y.AsSpan(0, n * OutSize));
    }

    public void Backward(float[] dy, bool inputGrad)
    {
        int n = _n, p = Positions, patch = Patch, chunk = Chunk(n);
        DenseLayer.ActivationBackward(Activation, _y.AsSpan(0, n * OutSize), dy.AsSpan(0, n * OutSize));
        Scratch.Ensure(ref _col, patch * p * chunk);
        Scratch.Ensure(ref _dcol, Math.Max(patch, OutChannels) * p * chunk);
        Span<float> wt = Scratch.Ensure(ref _wt, patch * OutChannels).AsSpan(0, patch * OutChannels);
        if (inputGrad)
        {
            Scratch.Transpose(Weight.Data, wt, OutChannels, patch);
            Scratch.Ensure(ref _dx, n * InSize).AsSpan(0, n * InSize).Clear();
        }
        float[] gathered = Scratch.Ensure(ref _dyc, OutChannels * p * chunk);
        for (int s0 = 0; s0 < n; s0 += chunk)
        {
            int m = Math.Min(chunk, n - s0), width = m * p;
            Span<float> col = _col.AsSpan(0, patch * width);
            Span<float> g = gathered.AsSpan(0, OutChannels * width);
            for (int s = 0; s < m; s++)
            {
                Im2Col(_x.AsSpan((s0 + s) * InSize, InSize), col, width, s * p);
                ReadOnlySpan<float> dys = dy.AsSpan((s0 + s) * OutSize, OutSize);
                for (int o = 0; o < OutChannels; o++)
                {
                    dys.Slice(o * p, p).CopyTo(g.Slice(o * width + s * p, p));
                }
            }
            Gemm.MultiplyTransposedB(g, col, Weight.Grad, OutChannels, patch, width, accumulate: true);
            for (int o = 0; o < OutChannels; o++)
            {
                Bias.Grad[o] += System.Numerics.Tensors.TensorPrimitives.Sum(g.Slice(o * width, width));
            }
            if (inputGrad)
            {
                Span<float> dcol = _dcol.AsSpan(0, patch * width);
                Gemm.Multiply(wt, g, dcol, patch, width, OutChannels);
                for (int s = 0; s < m; s++)
                {
                    Col2ImAdd(dcol, width, s * p, _dx.AsSpan((s0 + s) * InSize, InSize));
                }
            }
        }
    }

    // col is (C·k·k, OH·OW): row (c, ky, kx), column (oy, ox) = x[c, oy·s + ky, ox·s + kx].
    // col rows have stride `width` (a chunk of samples side by side); this sample's columns start at `column`.
    private void Im2Col(ReadOnlySpan<float> x, Span<float> col, int width, int column)
    {
        int k = _kernel, s = _stride, oh = OutHeight, ow = OutWidth;
        for (int c = 0; c < InChannels; c++)
        {
            for (int ky = 0; ky < k; ky++)
            {
                for (int kx = 0; kx < k; kx++)
                {
                    Span<float> row = col.Slice(((c * k + ky) * k + kx) * width + column, oh * ow);
                    for (int oy = 0; oy < oh; oy++)
                    {
                        ReadOnlySpan<float> line = x.Slice((c * Height + oy * s + ky) * Width + kx);
                        Span<float> dst = row.Slice(oy * ow, ow);
                        for (int ox = 0; ox < ow; ox++)
                        {
                            dst[ox] = line[ox * s];
                        }
                    }
                }
            }
        }
    }

    private void Col2ImAdd(ReadOnlySpan<float> col, int width, int column, Span<float> dx)
    {
        int k = _kernel, s = _stride, oh = OutHeight, ow = OutWidth;
        for (int c = 0; c < InChannels; c++)
        {
            for (int ky = 0; ky < k; ky++)
            {
                for (int kx = 0; kx < k; kx++)
                {
                    ReadOnlySpan<float> row = col.Slice(((c * k + ky) * k + kx) * width + column, oh * ow);
                    for (int oy = 0; oy < oh; oy++)
                    {
                        Span<float> line = dx.Slice((c * Height + oy * s + ky) * Width + kx);
                        ReadOnlySpan<float> src = row.Slice(oy * ow, ow);
                        for (int ox = 0; ox < ow; ox++)
                        {
                            line[ox * s] += src[ox];
                        }
                    }
                }
            }
        }
    }
}

internal static class SpanExtensions
{
    public static void Add(this Span<float> span, float value) => System.Numerics.Tensors.TensorPrimitives.Add(span, value, span);
}
