using System.Buffers;

namespace AgentRnn.Core.Kernels;

/// <summary>
/// A 2-D convolution as PyTorch's nn.Conv2d (groups = 1, dilation = 1) with fused bias and activation.
/// Weights (out, in, kh, kw) are packed once at construction into GEMM panels, for NCHW inputs (reduction order
/// c, ky, kx) and for NHWC inputs (ky, kx, c). A forward pass gathers each block of output pixels' receptive fields
/// into per-thread scratch and multiplies it by the panels with the register-blocked micro-kernel, writing NHWC rows
/// (pixel, channel); blocks spread over the kernel threads when the layer is large enough.
/// Thread-safety: Forward and ForwardNhwc may be called concurrently; the layer holds no per-call state.
/// </summary>
internal sealed unsafe partial class Conv2d
{
    private readonly PackedPanels _nchw; // B (in·kh·kw ordered c, ky, kx; out)
    private readonly PackedPanels _nhwc; // B (kh·kw·in ordered ky, kx, c; out)

    /// <summary>weight is (outChannels, inChannels, kernelH, kernelW); bias is (outChannels) or empty.</summary>
    public Conv2d(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int inChannels, int outChannels, int kernelH, int kernelW, int stride = 1, int padding = 0)
    {
        if (inChannels <= 0 || outChannels <= 0 || kernelH <= 0 || kernelW <= 0 || stride <= 0 || padding < 0)
        {
            throw new ArgumentException($"bad Conv2d geometry: in={inChannels} out={outChannels} k={kernelH}x{kernelW} stride={stride} pad={padding}");
        }
        if (weight.Length != (long)outChannels * inChannels * kernelH * kernelW)
        {
            throw new ArgumentException($"Conv2d weight has {weight.Length} floats, expected ({outChannels}, {inChannels}, {kernelH}, {kernelW})");
        }
        if (!bias.IsEmpty && bias.Length != outChannels)
        {
            throw new ArgumentException($"Conv2d bias has {bias.Length} floats, expected {outChannels}");
        }
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelH = kernelH;
        KernelW = kernelW;
        Stride = stride;
        Padding = padding;
        int k = PatchSize;
        _nchw = PackedPanels.FromTransposed(weight, bias, outChannels, k);
        var order = new int[k];
        for (int ky = 0, p = 0; ky < kernelH; ky++)
        {
            for (int kx = 0; kx < kernelW; kx++)
            {
                for (int c = 0; c < inChannels; c++)
                {
                    order[p++] = (c * kernelH + ky) * kernelW + kx;
                }
            }
        }
        _nhwc = PackedPanels.FromTransposed(weight, bias, outChannels, k, order);
    }

    /// <summary>Input channels.</summary>
    public int InChannels { get; }
    /// <summary>Output channels.</summary>
    public int OutChannels { get; }
    /// <summary>Kernel height.</summary>
    public int KernelH { get; }
    /// <summary>Kernel width.</summary>
    public int KernelW { get; }
    /// <summary>Stride in both directions.</summary>
    public int Stride { get; }
    /// <summary>Zero padding on every side.</summary>
    public int Padding { get; }

    /// <summary>Floats in one receptive field: in·kh·kw (the GEMM's reduction length).</summary>
    public int PatchSize => InChannels * KernelH * KernelW;

    /// <summary>Output spatial size for an h×w input; throws when the kernel does not fit.</summary>
    public (int Height, int Width) OutputSize(int height, int width)
    {
        if (height <= 0 || width <= 0 || height + 2 * Padding < KernelH || width + 2 * Padding < KernelW)
        {
            throw new ArgumentException($"a {KernelH}x{KernelW} kernel does not fit a {height}x{width} input with padding {Padding}");
        }
        return ((height + 2 * Padding - KernelH) / Stride + 1, (width + 2 * Padding - KernelW) / Stride + 1);
    }

    /// <summary>Floats of scratch <see cref="ForwardNhwc(ReadOnlySpan{float}, Layout, Span{float}, int, int, int, Fusion, Span{float})"/> needs at this batch and input size.</summary>
    public int ScratchSize(int batch, int height, int width)
    {
        (int oh, int ow) = OutputSize(height, width);
        int gather = KernelThreads.Count * RowsPerItem(batch * oh * ow) * PatchSize;
        return Padding == 0 ? Math.Max(gather, KernelThreads.Count * BandFloats(batch, width, oh)) : gather;
    }

    /// <summary>x is (batch, in, h, w); y is (batch, out, oh, ow) with (oh, ow) = <see cref="OutputSize"/>.</summary>
    public void Forward(ReadOnlySpan<float> x, Span<float> y, int batch, int height, int width, Activation activation = Activation.None)
    {
        (int oh, int ow) = OutputSize(height, width);
        int plane = oh * ow;
        CheckSpans(x.Length, y.Length, batch, height, width, plane);
        int scratch = ScratchSize(batch, height, width);
        int rows = batch * plane;
        float[] rented = ArrayPool<float>.Shared.Rent(scratch + rows * OutChannels);
        try
        {
            Span<float> nhwc = rented.AsSpan(scratch, rows * OutChannels);
            ForwardNhwc(x, Layout.Nchw, nhwc, batch, height, width, activation == Activation.ReLU ? Fusion.ReluOutput : Fusion.None, rented.AsSpan(0, scratch));
            for (int n = 0; n < batch; n++)
            {
                for (int p = 0; p < plane; p++)
                {
                    ReadOnlySpan<float> pixel = nhwc.Slice((n * plane + p) * OutChannels, OutChannels);
                    for (int o = 0; o < OutChannels; o++)
                    {
                        y[(n * OutChannels + o) * plane + p] = pixel[o];
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
        if (activation is not (Activation.None or Activation.ReLU))
        {
            Activations.Apply(activation, y.Slice(0, batch * OutChannels * plane));
        }
    }

    /// <summary>
    /// x is (batch, in, h, w) for <see cref="Layout.Nchw"/> or (batch, h, w, in) for <see cref="Layout.Nhwc"/>;
    /// y is (batch, oh, ow, out) NHWC. scratch holds at least <see cref="ScratchSize"/> floats.
    /// </summary>
    public void ForwardNhwc(ReadOnlySpan<float> x, Layout layout, Span<float> y, int batch, int height, int width, Fusion fusion, Span<float> scratch)
    {
        (int oh, int ow) = OutputSize(height, width);
        CheckSpans(x.Length, y.Length, batch, height, width, oh * ow);
        CheckScratch(scratch.Length, batch, height, width);
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (float* ps = scratch)
        {
            Job job = CreateJob(batch, height, width, oh, ow, layout == Layout.Nhwc ? _nhwc : _nchw, py, ps, fusion);
            job.X = px;
            job.Nhwc = layout == Layout.Nhwc;
            job.ReluInput = (fusion & Fusion.ReluInput) != 0;
            if (CanReadInPlace(layout, fusion))
            {
                job.InPlace = true;
                job.RowsPerItem = InPlaceRowsPerItem(job.Rows);
            }
            RunJob(ref job);
        }
    }

    /// <summary>
    /// frames is (batch, in, h, w) uint8, read as frames / 255 (the scale CleanRL and SB3 apply before the first conv);
    /// y is (batch, oh, ow, out) NHWC. scratch holds at least <see cref="ScratchSize"/> floats.
    /// </summary>
    public void ForwardNhwc(ReadOnlySpan<byte> frames, Span<float> y, int batch, int height, int width, Fusion fusion, Span<float> scratch)
    {
        (int oh, int ow) = OutputSize(height, width);
        CheckSpans(frames.Length, y.Length, batch, height, width, oh * ow);
        CheckScratch(scratch.Length, batch, height, width);
        fixed (byte* pf = frames)
        fixed (float* py = y)
        fixed (float* ps = scratch)
        {
            Job job = CreateJob(batch, height, width, oh, ow, _nchw, py, ps, fusion);
            job.Frames = pf;
            job.InPlace = CanReadInPlace(Layout.Nchw, fusion);
            RunJob(ref job);
        }
    }

    private void CheckSpans(int xLength, int yLength, int batch, int height, int width, int plane)
    {
        if (batch < 0 || xLength < (long)batch * InChannels * height * width || yLength < (long)batch * OutChannels * plane)
        {
            throw new ArgumentException($"Conv2d at batch {batch} on {InChannels}x{height}x{width}: x has {xLength}, y has {yLength} elements");
        }
    }

    private void CheckScratch(int length, int batch, int height, int width)
    {
        int needed = ScratchSize(batch, height, width);
        if (length < needed)
        {
            throw new ArgumentException($"Conv2d scratch has {length} floats, needs {needed} at batch {batch} on {InChannels}x{height}x{width}");
        }
    }
}
