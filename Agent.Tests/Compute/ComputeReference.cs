using AgentRnn.Core.Recurrent;

namespace AgentRnn.Tests.Compute;

/// <summary>Plain double-precision reference math for the compute kernels (PyTorch semantics), written for clarity.</summary>
internal static class ComputeReference
{
    /// <summary>c (m, n) = act(a (m, k) · b (n, k)ᵀ + bias (n) [+ c0]); activation 0 none, 1 ReLU, 2 tanh, 3 sigmoid.</summary>
    public static float[] Gemm(float[] a, float[] b, float[]? bias, float[]? c0, int m, int n, int k, int activation)
    {
        var c = new float[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = bias?[j] ?? 0.0;
                for (int p = 0; p < k; p++)
                {
                    s += (double)a[i * k + p] * b[j * k + p];
                }
                if (c0 is not null)
                {
                    s += c0[i * n + j];
                }
                c[i * n + j] = (float)Activate(s, activation);
            }
        }
        return c;
    }

    /// <summary>y (batch, out, oh, ow) = act(conv(x·scale (batch, in, h, w), weight (out, in, kh, kw)) + bias).</summary>
    public static float[] Conv2d(float[] x, float scale, float[] weight, float[]? bias, int batch, int inC, int h, int w, int outC, int kh, int kw, int stride, int pad, int activation)
    {
        int oh = (h + 2 * pad - kh) / stride + 1;
        int ow = (w + 2 * pad - kw) / stride + 1;
        var y = new float[batch * outC * oh * ow];
        for (int nb = 0; nb < batch; nb++)
        {
            for (int o = 0; o < outC; o++)
            {
                for (int oy = 0; oy < oh; oy++)
                {
                    for (int ox = 0; ox < ow; ox++)
                    {
                        double s = bias?[o] ?? 0.0;
                        for (int c = 0; c < inC; c++)
                        {
                            for (int ky = 0; ky < kh; ky++)
                            {
                                for (int kx = 0; kx < kw; kx++)
                                {
                                    int iy = oy * stride - pad + ky;
                                    int ix = ox * stride - pad + kx;
                                    if (iy >= 0 && iy < h && ix >= 0 && ix < w)
                                    {
                                        s += (double)weight[((o * inC + c) * kh + ky) * kw + kx] * (x[((nb * inC + c) * h + iy) * w + ix] * (double)scale);
                                    }
                                }
                            }
                        }
                        y[((nb * outC + o) * oh + oy) * ow + ox] = (float)Activate(s, activation);
                    }
                }
            }
        }
        return y;
    }

    /// <summary>
    /// An LSTM layer (gates i, f, g, o) over x (T, B, I) with W_ih (4H, I), W_hh (4H, H), both biases; h and c (B, H)
    /// are updated in place; starts (T, B) resets state·(1 − start) before each step. Returns (T, B, H).
    /// </summary>
    public static float[] Lstm(float[] x, float[] wih, float[] whh, float[] bih, float[] bhh, double[] h, double[] c, float[]? starts, int steps, int batch, int input, int hidden)
    {
        var output = new float[steps * batch * hidden];
        var g = new double[4 * hidden];
        for (int t = 0; t < steps; t++)
        {
            for (int b = 0; b < batch; b++)
            {
                double keep = starts is null ? 1.0 : 1.0 - starts[t * batch + b];
                for (int j = 0; j < hidden; j++)
                {
                    h[b * hidden + j] *= keep;
                    c[b * hidden + j] *= keep;
                }
                for (int r = 0; r < 4 * hidden; r++)
                {
                    double s = bih[r] + bhh[r];
                    for (int p = 0; p < input; p++)
                    {
                        s += (double)wih[r * input + p] * x[(t * batch + b) * input + p];
                    }
                    for (int p = 0; p < hidden; p++)
                    {
                        s += (double)whh[r * hidden + p] * h[b * hidden + p];
                    }
                    g[r] = s;
                }
                for (int j = 0; j < hidden; j++)
                {
                    double i = Sigmoid(g[j]), f = Sigmoid(g[hidden + j]), gg = Math.Tanh(g[2 * hidden + j]), o = Sigmoid(g[3 * hidden + j]);
                    c[b * hidden + j] = f * c[b * hidden + j] + i * gg;
                    h[b * hidden + j] = o * Math.Tanh(c[b * hidden + j]);
                    output[(t * batch + b) * hidden + j] = (float)h[b * hidden + j];
                }
            }
        }
        return output;
    }

    /// <summary>A GRU layer (r, z, n; n = tanh(W_in x + b_in + r·(W_hn h + b_hn))) as <see cref="Lstm"/> without c.</summary>
    public static float[] Gru(float[] x, float[] wih, float[] whh, float[] bih, float[] bhh, double[] h, float[]? starts, int steps, int batch, int input, int hidden)
    {
        var output = new float[steps * batch * hidden];
        var gi = new double[3 * hidden];
        var gh = new double[3 * hidden];
        for (int t = 0; t < steps; t++)
        {
            for (int b = 0; b < batch; b++)
            {
                double keep = starts is null ? 1.0 : 1.0 - starts[t * batch + b];
                for (int j = 0; j < hidden; j++)
                {
                    h[b * hidden + j] *= keep;
                }
                for (int r = 0; r < 3 * hidden; r++)
                {
                    double si = bih[r], sh = bhh[r];
                    for (int p = 0; p < input; p++)
                    {
                        si += (double)wih[r * input + p] * x[(t * batch + b) * input + p];
                    }
                    for (int p = 0; p < hidden; p++)
                    {
                        sh += (double)whh[r * hidden + p] * h[b * hidden + p];
                    }
                    gi[r] = si;
                    gh[r] = sh;
                }
                for (int j = 0; j < hidden; j++)
                {
                    double r = Sigmoid(gi[j] + gh[j]);
                    double z = Sigmoid(gi[hidden + j] + gh[hidden + j]);
                    double n = Math.Tanh(gi[2 * hidden + j] + r * gh[2 * hidden + j]);
                    h[b * hidden + j] = (1 - z) * n + z * h[b * hidden + j];
                    output[(t * batch + b) * hidden + j] = (float)h[b * hidden + j];
                }
            }
        }
        return output;
    }

    /// <summary>Uniform floats in [−scale, scale) from a fixed seed.</summary>
    public static float[] Random(int seed, int count, float scale = 1f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        }
        return values;
    }

    /// <summary>The largest |expected − actual|, after checking the lengths agree.</summary>
    public static double MaxError(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs((double)expected[i] - actual[i]));
        }
        return worst;
    }

    private static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    private static double Activate(double v, int activation) => activation switch
    {
        1 => Math.Max(v, 0.0),
        2 => Math.Tanh(v),
        3 => Sigmoid(v),
        _ => v,
    };
}
