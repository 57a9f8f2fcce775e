using AgentRnn.Core;
using AgentRnn.Core.Kernels;

namespace AgentRnn.Core.Recurrent;

/// <summary>
/// nn.GRU (gates r, z, n; n = tanh(W_in x + b_in + r·(W_hn h + b_hn)); h' = (1 − z)·n + z·h; stacked layers).
/// Because b_hn sits inside the reset product, the hidden side cannot be summed into the input side: each layer
/// runs two GEMMs (x → 3H and h → 3H, gate rows regrouped in blocks of <see cref="GateMath.Width"/> units), with
/// b_ir + b_hr and b_iz + b_hz summed once into the input side and b_hn kept on the hidden side.
/// </summary>
/// <remarks>
/// Thread-safety: as <see cref="RecurrentCore"/>: the scratch memory belongs to the instance, so one thread
/// steps it at a time; <see cref="Step"/> mutates only the caller's state and output spans and that scratch.
/// </remarks>
public sealed class Gru : RecurrentCore
{
    private const int GateCount = 3;
    private const int Width = GateMath.Width;

    private readonly Linear[] _inputSide;  // layer l: (3·Hp, in_l), bias [b_ir + b_hr, b_iz + b_hz, b_in]
    private readonly Linear[] _hiddenSide; // layer l: (3·Hp, H), bias [0, 0, b_hn]
    private readonly int _padded;          // Hp: HiddenSize rounded up to whole gate blocks
    private float[] _input = [];           // (capacity, H): a lower layer's h as a contiguous operand
    private float[] _h = [];               // (capacity, H): this layer's previous h as a contiguous operand
    private float[] _gi = [];              // (capacity, 3·Hp)
    private float[] _gh = [];              // (capacity, 3·Hp)
    private int _capacity;

    /// <summary>
    /// Repacks nn.GRU parameters (see <see cref="RecurrentCore.Create"/> for the names and checks).
    /// weight_ih_l{k} is (3H, in), weight_hh_l{k} is (3H, H), biases are (3H), rows in PyTorch's r, z, n order.
    /// </summary>
    public Gru(int inputSize, int hiddenSize, int layers, Func<string, Tensor> tensor)
        : base(inputSize, hiddenSize, layers)
    {
        _padded = GateMath.Padded(hiddenSize);
        _inputSide = new Linear[layers];
        _hiddenSide = new Linear[layers];
        int rows = GateCount * _padded;
        for (int l = 0; l < layers; l++)
        {
            (Tensor wih, Tensor whh, Tensor bih, Tensor bhh) = RecurrentParameters.Layer(CellKind.Gru, tensor, l, inputSize, hiddenSize);
            int layerInput = l == 0 ? inputSize : hiddenSize;
            var wi = new float[rows * layerInput];
            var wh = new float[rows * hiddenSize];
            var bi = new float[rows];
            var bh = new float[rows];
            for (int g = 0; g < GateCount; g++)
            {
                for (int j = 0; j < hiddenSize; j++)
                {
                    int row = PackedRow(g, j);
                    int source = g * hiddenSize + j;
                    wih.Span.Slice(source * layerInput, layerInput).CopyTo(wi.AsSpan(row * layerInput, layerInput));
                    whh.Span.Slice(source * hiddenSize, hiddenSize).CopyTo(wh.AsSpan(row * hiddenSize, hiddenSize));
                    if (g < 2)
                    {
                        bi[row] = bih.Data[source] + bhh.Data[source];
                    }
                    else
                    {
                        bi[row] = bih.Data[source];
                        bh[row] = bhh.Data[source];
                    }
                }
            }
            _inputSide[l] = new Linear(wi, bi, rows, layerInput);
            _hiddenSide[l] = new Linear(wh, bh, rows, hiddenSize);
        }
    }

    /// <inheritdoc />
    public override CellKind Kind => CellKind.Gru;

    /// <inheritdoc />
    public override void EnsureCapacity(int batch)
    {
        base.EnsureCapacity(batch);
        if (batch <= _capacity)
        {
            return;
        }
        _input = new float[checked(batch * HiddenSize)];
        _h = new float[checked(batch * HiddenSize)];
        _gi = new float[checked(batch * GateCount * _padded)];
        _gh = new float[checked(batch * GateCount * _padded)];
        _capacity = batch;
    }

    /// <summary>
    /// One step. x is (batch, InputSize); state is (batch, StateSize) as [h_0, h_1, …], updated in place;
    /// output is (batch, HiddenSize), the top layer's new h. Allocates nothing once capacity covers the batch.
    /// </summary>
    public override void Step(ReadOnlySpan<float> x, Span<float> state, Span<float> output, int batch)
    {
        CheckStep(x.Length, state.Length, output.Length, batch);
        EnsureCapacity(batch);
        int hidden = HiddenSize;
        int size = StateSize;
        int gateRow = GateCount * _padded;
        Span<float> gi = _gi.AsSpan(0, batch * gateRow);
        Span<float> gh = _gh.AsSpan(0, batch * gateRow);
        Span<float> previous = _h.AsSpan(0, batch * hidden);
        IsaLevel isa = KernelIsa.Current;
        for (int l = 0; l < Layers; l++)
        {
            int hOffset = l * hidden;
            if (l == 0)
            {
                _inputSide[0].Forward(x.Slice(0, batch * InputSize), gi, batch);
            }
            else
            {
                Span<float> input = _input.AsSpan(0, batch * hidden);
                for (int b = 0; b < batch; b++)
                {
                    state.Slice(b * size + hOffset - hidden, hidden).CopyTo(input.Slice(b * hidden, hidden));
                }
                _inputSide[l].Forward(input, gi, batch);
            }
            for (int b = 0; b < batch; b++)
            {
                state.Slice(b * size + hOffset, hidden).CopyTo(previous.Slice(b * hidden, hidden));
            }
            _hiddenSide[l].Forward(previous, gh, batch);
            for (int b = 0; b < batch; b++)
            {
                GateMath.Gru(isa, gi.Slice(b * gateRow, gateRow), gh.Slice(b * gateRow, gateRow), state.Slice(b * size + hOffset, hidden));
            }
        }
        int top = (Layers - 1) * hidden;
        for (int b = 0; b < batch; b++)
        {
            state.Slice(b * size + top, hidden).CopyTo(output.Slice(b * hidden, hidden));
        }
    }

    /// <summary>Row of gate <paramref name="gate"/> (0..2 = r, z, n) of hidden unit <paramref name="unit"/> in the packed weights.</summary>
    internal static int PackedRow(int gate, int unit) => unit / Width * (GateCount * Width) + gate * Width + unit % Width;
}
