using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;

namespace AgentRnn.Core.Compute.Ilgpu;

/// <summary>Shape and options of one GEMM launch (blittable: it is a kernel argument).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct GemmArgs
{
    public int M, N, K;
    /// <summary>Elements between consecutive rows of A (k for a plain matrix; a slot's state size for gathered state).</summary>
    public int Lda;
    /// <summary>1: row r of A is aRows[r] (a gather of per-slot state); 0: row r.</summary>
    public int HasRows;
    /// <summary>1: row r of A is multiplied by 1 − starts[r] (zero at an episode start); 0: by 1.</summary>
    public int HasStarts;
    public int HasBias;
    public int Accumulate;
    public int Activation;
}

/// <summary>Shape of one convolution launch: input (batch, C, H, W), weight (OC, C, KH, KW), output (batch, OC, OH, OW).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ConvArgs
{
    public int Batch, InChannels, Height, Width, OutChannels, KernelH, KernelW, Stride, Padding, OutHeight, OutWidth;
    public int HasBias, Activation;
    /// <summary>1: float input is (batch, H, W, C); 0: (batch, C, H, W). uint8 frames are always NCHW.</summary>
    public int InputNhwc;
    /// <summary>1: relu(x) is read instead of x.</summary>
    public int ReluInput;
    /// <summary>1: the result is added to what y holds, before the activation.</summary>
    public int AddToOutput;
    public float InputScale;
}

/// <summary>Shape of one max-pool launch over NHWC activations.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PoolArgs
{
    public int Channels, Height, Width, Window, Stride, Padding, OutHeight, OutWidth;
}

/// <summary>Shape of one recurrent cell launch over a batch of streams.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CellArgs
{
    public int Batch, Hidden;
    /// <summary>Elements between consecutive slots of the h and c views (the slot's whole state size).</summary>
    public int StateStride;
    /// <summary>1: episodeStarts holds one flag per stream; 0: no resets.</summary>
    public int HasStarts;
}

/// <summary>
/// The ILGPU kernels: C# methods ILGPU compiles for CUDA (PTX), OpenCL or its CPU accelerator. Float32, row-major,
/// PyTorch semantics, the same as AgentRnn.Core.Kernels on the CPU. Kernels never check sizes; the launchers in
/// <see cref="IlgpuKernelSet"/> pass only checked shapes.
/// </summary>
internal static class IlgpuKernels
{
    /// <summary>
    /// Tiled GEMM: c (m, n) = act(A (m, k) · bᵀ + bias [+ c]), b (n, k) as PyTorch's Linear weight. Group (t, t) computes
    /// one t×t tile of c, staging t×t tiles of A and b in shared memory (dynamic, 2·t·(t+1) floats). Row r of A is
    /// a[rows[r]·k …] times 1 − starts[r] when the flags say so — the per-slot state gathered by slot id and zeroed at
    /// episode starts, read in place with no gather pass.
    /// </summary>
    public static void Gemm(ArrayView<float> a, ArrayView<int> rows, ArrayView<float> starts, ArrayView<float> b, ArrayView<float> bias, ArrayView<float> c, GemmArgs g, SpecializedValue<int> tileSize)
    {
        int t = tileSize.Value;
        int stride = t + 1; // padded rows: the b tile is written down columns
        ArrayView<float> shared = SharedMemory.GetDynamic<float>();
        int tx = Group.IdxX;
        int ty = Group.IdxY;
        int row = Grid.IdxY * t + ty;
        int colBase = Grid.IdxX * t;
        int col = colBase + tx;

        int aRow = row;
        float aMul = 1f;
        if (row < g.M)
        {
            if (g.HasRows != 0)
            {
                aRow = rows[row];
            }
            if (g.HasStarts != 0)
            {
                aMul = 1f - starts[row];
            }
        }

        float acc = 0f;
        if (t == 1)
        {
            // One-thread groups (ILGPU's CPU accelerator as --backend ilgpu-cpu opens it): nothing to share, so no
            // staging and no barrier, which the emulator pays for per reduction step. Same summation order as the tiles.
            if (row < g.M && col < g.N)
            {
                for (int k = 0; k < g.K; k++)
                {
                    acc += aMul * a[aRow * g.Lda + k] * b[col * g.K + k];
                }
            }
        }
        for (int k0 = 0; t > 1 && k0 < g.K; k0 += t)
        {
            int ka = k0 + tx;
            shared[ty * stride + tx] = row < g.M && ka < g.K ? aMul * a[aRow * g.Lda + ka] : 0f;
            // Thread (tx, ty) loads b[colBase + ty, k0 + tx]: consecutive tx read consecutive addresses.
            int bCol = colBase + ty;
            shared[t * stride + tx * stride + ty] = bCol < g.N && ka < g.K ? b[bCol * g.K + ka] : 0f;
            Group.Barrier();
            for (int q = 0; q < t; q++)
            {
                acc += shared[ty * stride + q] * shared[t * stride + q * stride + tx];
            }
            Group.Barrier();
        }

        if (row < g.M && col < g.N)
        {
            int at = row * g.N + col;
            float v = acc;
            if (g.HasBias != 0)
            {
                v += bias[col];
            }
            if (g.Accumulate != 0)
            {
                v += c[at];
            }
            c[at] = DeviceMath.Activate(v, g.Activation);
        }
    }

    /// <summary>
    /// Convolution as an implicit GEMM: output pixel p = (sample, oy, ox) (rows) × output channel o (columns), the
    /// reduction over k = (channel, ky, kx) — the weight's own order — with the input patch gathered straight from x
    /// into shared memory (no im2col buffer). Tiled as <see cref="Gemm"/>; y is NHWC, y[p·OC + o], so consecutive
    /// threads write consecutive channels. uint8 frames (NCHW) are multiplied by args.InputScale as they are loaded.
    /// </summary>
    public static void ConvU8(ArrayView<byte> x, ArrayView<float> weight, ArrayView<float> bias, ArrayView<float> y, ConvArgs g, SpecializedValue<int> tileSize)
    {
        int t = tileSize.Value;
        int stride = t + 1;
        ArrayView<float> shared = SharedMemory.GetDynamic<float>();
        int tx = Group.IdxX;
        int ty = Group.IdxY;
        int ohw = g.OutHeight * g.OutWidth;
        int pixels = g.Batch * ohw;
        int kk = g.KernelH * g.KernelW;
        int reduce = g.InChannels * kk;
        int p = Grid.IdxY * t + ty;
        int oBase = Grid.IdxX * t;

        int sample = p / ohw;
        int rest = p - sample * ohw;
        int oy = rest / g.OutWidth;
        int baseY = oy * g.Stride - g.Padding;
        int baseX = (rest - oy * g.OutWidth) * g.Stride - g.Padding;
        int sampleBase = sample * g.InChannels * g.Height * g.Width;

        float acc = 0f;
        if (t == 1)
        {
            // One-thread groups: no staging, no barrier (see Gemm).
            if (p < pixels && oBase < g.OutChannels)
            {
                for (int k = 0; k < reduce; k++)
                {
                    acc += PixelU8(x, g, sampleBase, baseY, baseX, kk, k) * weight[oBase * reduce + k];
                }
            }
        }
        for (int k0 = 0; t > 1 && k0 < reduce; k0 += t)
        {
            int k = k0 + tx;
            float v = 0f;
            if (p < pixels && k < reduce)
            {
                v = PixelU8(x, g, sampleBase, baseY, baseX, kk, k);
            }
            shared[ty * stride + tx] = v;
            int o = oBase + ty;
            shared[t * stride + tx * stride + ty] = o < g.OutChannels && k < reduce ? weight[o * reduce + k] : 0f;
            Group.Barrier();
            for (int q = 0; q < t; q++)
            {
                acc += shared[ty * stride + q] * shared[t * stride + q * stride + tx];
            }
            Group.Barrier();
        }
        StoreConv(y, bias, g, p, oBase + tx, pixels, acc);
    }

    /// <summary>As <see cref="ConvU8"/> on float input, NCHW or NHWC (args.InputScale unused), relu on read when asked.</summary>
    public static void ConvF32(ArrayView<float> x, ArrayView<float> weight, ArrayView<float> bias, ArrayView<float> y, ConvArgs g, SpecializedValue<int> tileSize)
    {
        int t = tileSize.Value;
        int stride = t + 1;
        ArrayView<float> shared = SharedMemory.GetDynamic<float>();
        int tx = Group.IdxX;
        int ty = Group.IdxY;
        int ohw = g.OutHeight * g.OutWidth;
        int pixels = g.Batch * ohw;
        int kk = g.KernelH * g.KernelW;
        int reduce = g.InChannels * kk;
        int p = Grid.IdxY * t + ty;
        int oBase = Grid.IdxX * t;

        int sample = p / ohw;
        int rest = p - sample * ohw;
        int oy = rest / g.OutWidth;
        int baseY = oy * g.Stride - g.Padding;
        int baseX = (rest - oy * g.OutWidth) * g.Stride - g.Padding;
        int sampleBase = sample * g.InChannels * g.Height * g.Width;

        float acc = 0f;
        if (t == 1)
        {
            // One-thread groups: no staging, no barrier (see Gemm).
            if (p < pixels && oBase < g.OutChannels)
            {
                for (int k = 0; k < reduce; k++)
                {
                    acc += PixelF32(x, g, sampleBase, baseY, baseX, kk, k) * weight[oBase * reduce + k];
                }
            }
        }
        for (int k0 = 0; t > 1 && k0 < reduce; k0 += t)
        {
            int k = k0 + tx;
            float v = 0f;
            if (p < pixels && k < reduce)
            {
                v = PixelF32(x, g, sampleBase, baseY, baseX, kk, k);
            }
            shared[ty * stride + tx] = v;
            int o = oBase + ty;
            shared[t * stride + tx * stride + ty] = o < g.OutChannels && k < reduce ? weight[o * reduce + k] : 0f;
            Group.Barrier();
            for (int q = 0; q < t; q++)
            {
                acc += shared[ty * stride + q] * shared[t * stride + q * stride + tx];
            }
            Group.Barrier();
        }
        StoreConv(y, bias, g, p, oBase + tx, pixels, acc);
    }

    // Element k = (channel, ky, kx) of output pixel (baseY, baseX)'s input patch; zero in the padding.
    private static float PixelU8(ArrayView<byte> x, ConvArgs g, int sampleBase, int baseY, int baseX, int kk, int k)
    {
        int ch = k / kk;
        int r = k - ch * kk;
        int ky = r / g.KernelW;
        int iy = baseY + ky;
        int ix = baseX + r - ky * g.KernelW;
        return iy >= 0 && iy < g.Height && ix >= 0 && ix < g.Width ? x[sampleBase + (ch * g.Height + iy) * g.Width + ix] * g.InputScale : 0f;
    }

    // As PixelU8 on float input in either layout, relu on read when asked.
    private static float PixelF32(ArrayView<float> x, ConvArgs g, int sampleBase, int baseY, int baseX, int kk, int k)
    {
        int ch = k / kk;
        int r = k - ch * kk;
        int ky = r / g.KernelW;
        int iy = baseY + ky;
        int ix = baseX + r - ky * g.KernelW;
        if (iy < 0 || iy >= g.Height || ix < 0 || ix >= g.Width)
        {
            return 0f;
        }
        float v = g.InputNhwc != 0
            ? x[sampleBase + (iy * g.Width + ix) * g.InChannels + ch]
            : x[sampleBase + (ch * g.Height + iy) * g.Width + ix];
        return g.ReluInput != 0 && v < 0f ? 0f : v;
    }

    private static void StoreConv(ArrayView<float> y, ArrayView<float> bias, ConvArgs g, int p, int o, int pixels, float acc)
    {
        if (p < pixels && o < g.OutChannels)
        {
            int at = p * g.OutChannels + o;
            float v = acc;
            if (g.HasBias != 0)
            {
                v += bias[o];
            }
            if (g.AddToOutput != 0)
            {
                v += y[at];
            }
            y[at] = DeviceMath.Activate(v, g.Activation);
        }
    }

    /// <summary>
    /// LSTM cell for one step (gates i, f, g, o): thread (b, j) reads gx (batch, 4H) = x·W_ihᵀ + b_ih and gh (batch, 4H)
    /// = keep·h·W_hhᵀ + b_hh, the stream's c from slot slots[b] (times keep = 1 − start[b]), and writes the new c and h
    /// to the slot and h to output (batch, H).
    /// </summary>
    public static void LstmCell(Index1D index, ArrayView<float> gx, ArrayView<float> gh, ArrayView<int> slots, ArrayView<float> starts, ArrayView<float> h, ArrayView<float> c, ArrayView<float> output, CellArgs g)
    {
        int b = index / g.Hidden;
        int j = index - b * g.Hidden;
        float keep = g.HasStarts != 0 ? 1f - starts[b] : 1f;
        int gates = b * 4 * g.Hidden;
        float pi = gx[gates + j] + gh[gates + j];
        float pf = gx[gates + g.Hidden + j] + gh[gates + g.Hidden + j];
        float pg = gx[gates + 2 * g.Hidden + j] + gh[gates + 2 * g.Hidden + j];
        float po = gx[gates + 3 * g.Hidden + j] + gh[gates + 3 * g.Hidden + j];
        int at = slots[b] * g.StateStride + j;
        float cn = DeviceMath.Sigmoid(pf) * (keep * c[at]) + DeviceMath.Sigmoid(pi) * DeviceMath.Tanh(pg);
        float hn = DeviceMath.Sigmoid(po) * DeviceMath.Tanh(cn);
        c[at] = cn;
        h[at] = hn;
        output[b * g.Hidden + j] = hn;
    }

    /// <summary>GRU cell (r, z, n): n = tanh(x_n + b_in + r·(W_hn·keep·h + b_hn)); h' = (1 − z)·n + z·keep·h. Layout as <see cref="LstmCell"/>.</summary>
    public static void GruCell(Index1D index, ArrayView<float> gx, ArrayView<float> gh, ArrayView<int> slots, ArrayView<float> starts, ArrayView<float> h, ArrayView<float> output, CellArgs g)
    {
        int b = index / g.Hidden;
        int j = index - b * g.Hidden;
        float keep = g.HasStarts != 0 ? 1f - starts[b] : 1f;
        int gates = b * 3 * g.Hidden;
        float r = DeviceMath.Sigmoid(gx[gates + j] + gh[gates + j]);
        float z = DeviceMath.Sigmoid(gx[gates + g.Hidden + j] + gh[gates + g.Hidden + j]);
        float n = DeviceMath.Tanh(gx[gates + 2 * g.Hidden + j] + r * gh[gates + 2 * g.Hidden + j]);
        int at = slots[b] * g.StateStride + j;
        float hn = (1f - z) * n + z * (keep * h[at]);
        h[at] = hn;
        output[b * g.Hidden + j] = hn;
    }

    /// <summary>Elman RNN cell (tanh): h' = tanh(gx + gh). Layout as <see cref="LstmCell"/>.</summary>
    public static void RnnCell(Index1D index, ArrayView<float> gx, ArrayView<float> gh, ArrayView<int> slots, ArrayView<float> h, ArrayView<float> output, CellArgs g)
    {
        int b = index / g.Hidden;
        int j = index - b * g.Hidden;
        int at = b * g.Hidden + j;
        float hn = DeviceMath.Tanh(gx[at] + gh[at]);
        h[slots[b] * g.StateStride + j] = hn;
        output[at] = hn;
    }

    /// <summary>
    /// Max-pool over NHWC (batch, H, W, C) → (batch, OH, OW, C), square window and stride, padded cells never win;
    /// one thread per output.
    /// </summary>
    public static void MaxPool(Index1D index, ArrayView<float> x, ArrayView<float> y, PoolArgs g)
    {
        int ch = index % g.Channels;
        int pixel = index / g.Channels;
        int ox = pixel % g.OutWidth;
        int rest = pixel / g.OutWidth;
        int oy = rest % g.OutHeight;
        int sample = rest / g.OutHeight;
        int y0 = oy * g.Stride - g.Padding;
        int x0 = ox * g.Stride - g.Padding;
        float max = float.NegativeInfinity;
        for (int ky = 0; ky < g.Window; ky++)
        {
            int iy = y0 + ky;
            if (iy < 0 || iy >= g.Height)
            {
                continue;
            }
            for (int kx = 0; kx < g.Window; kx++)
            {
                int ix = x0 + kx;
                if (ix >= 0 && ix < g.Width)
                {
                    float v = x[((sample * g.Height + iy) * g.Width + ix) * g.Channels + ch];
                    max = v > max ? v : max;
                }
            }
        }
        y[index] = max;
    }

    /// <summary>x ← act(x) elementwise.</summary>
    public static void Activate(Index1D index, ArrayView<float> x, int activation) => x[index] = DeviceMath.Activate(x[index], activation);
}
