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

    public void Forward(float[] x, int n)
    {
        _x = x;
        _n = n;
        int p = Positions, patch = Patch;
        Scratch.Ensure(ref _y, n * OutSize);
        Span<float> col = Scratch.Ensure(ref _col, patch * p).AsSpan(0, patch * p);
        for (int s = 0; s < n; s++)
        {
            Im2Col(x.AsSpan(s * InSize, InSize), col);
            Span<float> y = _y.AsSpan(s * OutSize, OutSize);
            Gemm.Multiply(Weight.Data, col, y, OutChannels, p, patch);
            for (int o = 0; o < OutChannels; o++)
            {
                y.Slice(o * p, p).Add(Bias.Data[o]);
            }
        }
        DenseLayer.Activate(Activation, _y.AsSpan(0, n * OutSize));
    }

    public void Backward(float[] dy, bool inputGrad)
    {
        int n = _n, p = Positions, patch = Patch;
        DenseLayer.ActivationBackward(Activation, _y.AsSpan(0, n * OutSize), dy.AsSpan(0, n * OutSize));
        Span<float> col = Scratch.Ensure(ref _col, patch * p).AsSpan(0, patch * p);
        Span<float> dcol = Scratch.Ensure(ref _dcol, patch * p).AsSpan(0, patch * p);
        Span<float> wt = Scratch.Ensure(ref _wt, patch * OutChannels).AsSpan(0, patch * OutChannels);
        if (inputGrad)
        {
            Scratch.Transpose(Weight.Data, wt, OutChannels, patch);
            Scratch.Ensure(ref _dx, n * InSize).AsSpan(0, n * InSize).Clear();
        }
        for (int s = 0; s < n; s++)
        {
            ReadOnlySpan<float> g = dy.AsSpan(s * OutSize, OutSize);
            Im2Col(_x.AsSpan(s * InSize, InSize), col);
            Gemm.MultiplyTransposedB(g, col, Weight.Grad, OutChannels, patch, p, accumulate: true);
            for (int o = 0; o < OutChannels; o++)
            {
                Bias.Grad[o] += System.Numerics.Tensors.TensorPrimitives.Sum(g.Slice(o * p, p));
            }
            if (inputGrad)
            {
                Gemm.Multiply(wt, g, dcol, patch, p, OutChannels);
                Col2ImAdd(dcol, _dx.AsSpan(s * InSize, InSize));
            }
        }
    }

    // col is (C·k·k, OH·OW): row (c, ky, kx), column (oy, ox) = x[c, oy·s + ky, ox·s + kx].
    private void Im2Col(ReadOnlySpan<float> x, Span<float> col)
    {
        int k = _kernel, s = _stride, oh = OutHeight, ow = OutWidth, p = oh * ow;
        for (int c = 0; c < InChannels; c++)
        {
            for (int ky = 0; ky < k; ky++)
            {
                for (int kx = 0; kx < k; kx++)
                {
                    Span<float> row = col.Slice(((c * k + ky) * k + kx) * p, p);
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

    private void Col2ImAdd(ReadOnlySpan<float> col, Span<float> dx)
    {
        int k = _kernel, s = _stride, oh = OutHeight, ow = OutWidth, p = oh * ow;
        for (int c = 0; c < InChannels; c++)
        {
            for (int ky = 0; ky < k; ky++)
            {
                for (int kx = 0; kx < k; kx++)
                {
                    ReadOnlySpan<float> row = col.Slice(((c * k + ky) * k + kx) * p, p);
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
