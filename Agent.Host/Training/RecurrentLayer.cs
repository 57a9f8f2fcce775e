using System.Numerics.Tensors;
using AgentRnn.Core.Kernels;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Host.Training;

/// <summary>
/// One LSTM, GRU or tanh-RNN layer (PyTorch's gate order and equations) over a time-major sequence of T steps × B
/// streams, with backpropagation through time. Before each step a stream whose episode starts gets a zero state
/// (state ← state·(1 − start), as CleanRL and SB3 do), and the gradient stops there too. The input projection of the
/// whole sequence is one GEMM; each step adds h·W_hhᵀ. Caches: gate activations, the masked previous h (and c), c.
/// </summary>
internal sealed class RecurrentLayer
{
    private readonly CellKind _cell;
    private readonly int _gates;
    private float[] _x = [];
    private float[] _a = [];       // (T·B, G) gate activations (LSTM: σi σf tanh g σo; GRU: σr σz n; RNN: h)
    private float[] _hg = [];      // GRU: (T·B, H) the n-part of h·W_hhᵀ + b_hh
    private float[] _hprev = [];   // (T·B, H) masked h before each step
    private float[] _cprev = [];   // (T·B, H) masked c before each step
    private float[] _c = [];       // (T·B, H) c after each step
    private float[] _y = [];       // (T·B, H) h after each step
    private float[] _step = [];    // (B, G) per-step h·W_hhᵀ
    private float[] _dA = [];      // (T·B, G) gradient of the input projection
    private float[] _dHg = [];     // (B, G) gradient of h·W_hhᵀ + b_hh
    private float[] _dh = [];      // (B, H) gradient carried to the previous step
    private float[] _dc = [];
    private float[] _dhPrev = [];
    private float[] _dx = [];
    private float[] _t = [];       // transposes
    private int _steps;
    private int _batch;

    public RecurrentLayer(CellKind cell, TrainParameter weightIh, TrainParameter weightHh, TrainParameter biasIh, TrainParameter biasHh)
    {
        _cell = cell;
        WeightIh = weightIh;
        WeightHh = weightHh;
        BiasIh = biasIh;
        BiasHh = biasHh;
        Hidden = weightHh.Shape[1];
        Input = weightIh.Shape[1];
        _gates = weightIh.Shape[0];
    }

    public TrainParameter WeightIh { get; }
    public TrainParameter WeightHh { get; }
    public TrainParameter BiasIh { get; }
    public TrainParameter BiasHh { get; }
    public int Hidden { get; }
    public int Input { get; }

    /// <summary>Floats of one stream's state: h, then c for an LSTM.</summary>
    public int StateSize => _cell == CellKind.Lstm ? 2 * Hidden : Hidden;

    public float[] Output => _y;
    public float[] InputGrad => _dx;

    /// <summary>
    /// Runs T steps over x (T·B rows of Input); <paramref name="state"/> (B·StateSize at <paramref name="stateStride"/>
    /// per stream, from <paramref name="stateOffset"/>) holds the state before the first step and receives the last.
    /// </summary>
    public void Forward(float[] x, int steps, int batch, ReadOnlySpan<float> starts, Span<float> state, int stateStride, int stateOffset)
    {
        _x = x;
        _steps = steps;
        _batch = batch;
        int n = steps * batch, h = Hidden, g = _gates;
        Span<float> a = Scratch.Ensure(ref _a, n * g).AsSpan(0, n * g);
        Gemm.MultiplyTransposedB(x.AsSpan(0, n * Input), WeightIh.Data, a, n, g, Input);
        for (int i = 0; i < n; i++)
        {
            Span<float> row = a.Slice(i * g, g);
            TensorPrimitives.Add(row, BiasIh.Data, row);
        }
        Scratch.Ensure(ref _hprev, n * h);
        Scratch.Ensure(ref _y, n * h);
        Scratch.Ensure(ref _step, batch * g);
        if (_cell == CellKind.Lstm)
        {
            Scratch.Ensure(ref _cprev, n * h);
            Scratch.Ensure(ref _c, n * h);
        }
        if (_cell == CellKind.Gru)
        {
            Scratch.Ensure(ref _hg, n * h);
        }
        for (int t = 0; t < steps; t++)
        {
            int r0 = t * batch;
            // The masked previous state.
            for (int b = 0; b < batch; b++)
            {
                float keep = 1f - starts[r0 + b];
                Span<float> hp = _hprev.AsSpan((r0 + b) * h, h);
                ReadOnlySpan<float> source = t == 0 ? state.Slice(b * stateStride + stateOffset, h) : _y.AsSpan((r0 - batch + b) * h, h);
                TensorPrimitives.Multiply(source, keep, hp);
                if (_cell == CellKind.Lstm)
                {
                    ReadOnlySpan<float> cs = t == 0 ? state.Slice(b * stateStride + stateOffset + h, h) : _c.AsSpan((r0 - batch + b) * h, h);
                    TensorPrimitives.Multiply(cs, keep, _cprev.AsSpan((r0 + b) * h, h));
                }
            }
            Span<float> hw = _step.AsSpan(0, batch * g);
            Gemm.MultiplyTransposedB(_hprev.AsSpan(r0 * h, batch * h), WeightHh.Data, hw, batch, g, h);
            for (int b = 0; b < batch; b++)
            {
                int r = r0 + b;
                Span<float> hwr = hw.Slice(b * g, g);
                TensorPrimitives.Add(hwr, BiasHh.Data, hwr);
                Span<float> ar = _a.AsSpan(r * g, g);
                Span<float> y = _y.AsSpan(r * h, h);
                switch (_cell)
                {
                    case CellKind.Lstm:
                    {
                        TensorPrimitives.Add(ar, hwr, ar);
                        TensorPrimitives.Sigmoid(ar.Slice(0, 2 * h), ar.Slice(0, 2 * h));
                        TensorPrimitives.Tanh(ar.Slice(2 * h, h), ar.Slice(2 * h, h));
                        TensorPrimitives.Sigmoid(ar.Slice(3 * h, h), ar.Slice(3 * h, h));
                        Span<float> c = _c.AsSpan(r * h, h);
                        ReadOnlySpan<float> cp = _cprev.AsSpan(r * h, h);
                        for (int j = 0; j < h; j++)
                        {
                            float cj = ar[h + j] * cp[j] + ar[j] * ar[2 * h + j];
                            c[j] = cj;
                            y[j] = ar[3 * h + j] * MathF.Tanh(cj);
                        }
                        break;
                    }
                    case CellKind.Gru:
                    {
                        TensorPrimitives.Add(ar.Slice(0, 2 * h), hwr.Slice(0, 2 * h), ar.Slice(0, 2 * h));
                        TensorPrimitives.Sigmoid(ar.Slice(0, 2 * h), ar.Slice(0, 2 * h));
                        Span<float> hn = _hg.AsSpan(r * h, h);
                        hwr.Slice(2 * h, h).CopyTo(hn);
                        ReadOnlySpan<float> hp = _hprev.AsSpan(r * h, h);
                        for (int j = 0; j < h; j++)
                        {
                            float nj = MathF.Tanh(ar[2 * h + j] + ar[j] * hn[j]);
                            ar[2 * h + j] = nj;
                            float z = ar[h + j];
                            y[j] = (1f - z) * nj + z * hp[j];
                        }
                        break;
                    }
                    default:
                        TensorPrimitives.Add(ar, hwr, ar);
                        TensorPrimitives.Tanh(ar, ar);
                        ar.CopyTo(y);
                        break;
                }
            }
        }
        int last = (steps - 1) * batch;
        for (int b = 0; b < batch; b++)
        {
            _y.AsSpan((last + b) * h, h).CopyTo(state.Slice(b * stateStride + stateOffset, h));
            if (_cell == CellKind.Lstm)
            {
                _c.AsSpan((last + b) * h, h).CopyTo(state.Slice(b * stateStride + stateOffset + h, h));
            }
        }
    }

    /// <summary>
    /// BPTT from <paramref name="dy"/> (T·B·H, the loss's gradient of every output h; the final state gets none).
    /// Accumulates the weight gradients; with <paramref name="inputGrad"/> leaves dL/dx in <see cref="InputGrad"/>.
    /// </summary>
    public void Backward(ReadOnlySpan<float> dy, ReadOnlySpan<float> starts, bool inputGrad)
    {
        int steps = _steps, batch = _batch, n = steps * batch, h = Hidden, g = _gates;
        Span<float> dA = Scratch.Ensure(ref _dA, n * g).AsSpan(0, n * g);
        Span<float> dHg = Scratch.Ensure(ref _dHg, batch * g).AsSpan(0, batch * g);
        Span<float> dh = Scratch.Ensure(ref _dh, batch * h).AsSpan(0, batch * h);
        Span<float> dc = Scratch.Ensure(ref _dc, batch * h).AsSpan(0, batch * h);
        Span<float> dhPrev = Scratch.Ensure(ref _dhPrev, batch * h).AsSpan(0, batch * h);
        Span<float> tr = Scratch.Ensure(ref _t, Math.Max(g * batch, g * n)).AsSpan();
        dh.Clear();
        dc.Clear();
        for (int t = steps - 1; t >= 0; t--)
        {
            int r0 = t * batch;
            for (int b = 0; b < batch; b++)
            {
                int r = r0 + b;
                Span<float> dhb = dh.Slice(b * h, h);
                TensorPrimitives.Add(dhb, dy.Slice(r * h, h), dhb);
                ReadOnlySpan<float> ar = _a.AsSpan(r * g, g);
                Span<float> da = dA.Slice(r * g, g);
                Span<float> dhg = dHg.Slice(b * g, g);
                Span<float> dhp = dhPrev.Slice(b * h, h);
                switch (_cell)
                {
                    case CellKind.Lstm:
                    {
                        Span<float> dcb = dc.Slice(b * h, h);
                        ReadOnlySpan<float> c = _c.AsSpan(r * h, h);
                        ReadOnlySpan<float> cp = _cprev.AsSpan(r * h, h);
                        for (int j = 0; j < h; j++)
                        {
                            float i = ar[j], f = ar[h + j], gg = ar[2 * h + j], o = ar[3 * h + j];
                            float tc = MathF.Tanh(c[j]);
                            float dcj = dcb[j] + dhb[j] * o * (1f - tc * tc);
                            da[j] = dcj * gg * i * (1f - i);
                            da[h + j] = dcj * cp[j] * f * (1f - f);
                            da[2 * h + j] = dcj * i * (1f - gg * gg);
                            da[3 * h + j] = dhb[j] * tc * o * (1f - o);
                            dcb[j] = dcj * f; // to c_prev (masked below)
                        }
                        da.CopyTo(dhg);
                        dhp.Clear();
                        break;
                    }
                    case CellKind.Gru:
                    {
                        ReadOnlySpan<float> hn = _hg.AsSpan(r * h, h);
                        ReadOnlySpan<float> hp = _hprev.AsSpan(r * h, h);
                        for (int j = 0; j < h; j++)
                        {
                            float rr = ar[j], z = ar[h + j], nn = ar[2 * h + j], d = dhb[j];
                            float dan = d * (1f - z) * (1f - nn * nn);
                            float dar = dan * hn[j] * rr * (1f - rr);
                            float daz = d * (hp[j] - nn) * z * (1f - z);
                            da[j] = dar;
                            da[h + j] = daz;
                            da[2 * h + j] = dan;
                            dhg[j] = dar;
                            dhg[h + j] = daz;
                            dhg[2 * h + j] = dan * rr;
                            dhp[j] = d * z;
                        }
                        break;
                    }
                    default:
                    {
                        for (int j = 0; j < h; j++)
                        {
                            da[j] = dhb[j] * (1f - ar[j] * ar[j]);
                        }
                        da.CopyTo(dhg);
                        dhp.Clear();
                        break;
                    }
                }
            }
            // dW_hh += dHgᵀ·h_prev; db_hh += Σ dHg; dh_prev += dHg·W_hh.
            Span<float> dhgT = tr.Slice(0, g * batch);
            Scratch.Transpose(dHg, dhgT, batch, g);
            Gemm.Multiply(dhgT, _hprev.AsSpan(r0 * h, batch * h), WeightHh.Grad, g, h, batch, accumulate: true);
            for (int b = 0; b < batch; b++)
            {
                TensorPrimitives.Add(BiasHh.Grad, dHg.Slice(b * g, g), BiasHh.Grad);
            }
            Gemm.Multiply(dHg, WeightHh.Data, dhPrev, batch, h, g, accumulate: true);
            for (int b = 0; b < batch; b++)
            {
                float keep = 1f - starts[r0 + b];
                TensorPrimitives.Multiply(dhPrev.Slice(b * h, h), keep, dh.Slice(b * h, h));
                if (_cell == CellKind.Lstm)
                {
                    TensorPrimitives.Multiply(dc.Slice(b * h, h), keep, dc.Slice(b * h, h));
                }
            }
        }
        // The input projection of the whole sequence.
        Span<float> dAT = tr.Slice(0, g * n);
        Scratch.Transpose(dA, dAT, n, g);
        Gemm.Multiply(dAT, _x.AsSpan(0, n * Input), WeightIh.Grad, g, Input, n, accumulate: true);
        for (int k = 0; k < g; k++)
        {
            BiasIh.Grad[k] += TensorPrimitives.Sum(dAT.Slice(k * n, n));
        }
        if (inputGrad)
        {
            Gemm.Multiply(dA, WeightIh.Data, Scratch.Ensure(ref _dx, n * Input).AsSpan(0, n * Input), n, Input, g);
        }
    }
}
