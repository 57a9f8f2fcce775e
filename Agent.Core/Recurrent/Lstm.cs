using AgentRnn.Core;
using AgentRnn.Core.Kernels;

namespace AgentRnn.Core.Recurrent;

/// <summary>
/// nn.LSTM (gates i, f, g, o; both biases; stacked layers) with a fused step: per layer one GEMM over [x; h],
/// with the gate rows regrouped so that each block of <see cref="GateMath.Width"/> hidden units has its i, f, g, o
/// rows next to each other, the two biases summed once at construction, and the gate math done in registers.
/// </summary>
/// <remarks>
/// Thread-safety: as <see cref="RecurrentCore"/>: the scratch memory belongs to the instance, so one thread
/// steps it at a time; <see cref="Step"/> mutates only the caller's state and output spans and that scratch.
/// </remarks>
public sealed class Lstm : RecurrentCore
{
    private const int GateCount = 4;
    private const int Width = GateMath.Width;

    private readonly Linear[] _layers; // layer l: weight (4·Hp, in_l + H) over [x; h], bias b_ih + b_hh
    private readonly int _padded;      // Hp: HiddenSize rounded up to whole gate blocks
    private float[] _xh = [];          // (capacity, max in_l + H): the GEMM's left operand
    private float[] _gates = [];       // (capacity, 4·Hp): pre-activation gates in blocks
    private int _capacity;

    /// <summary>
    /// Repacks nn.LSTM parameters (see <see cref="RecurrentCore.Create"/> for the names and checks).
    /// weight_ih_l{k} is (4H, in), weight_hh_l{k} is (4H, H), biases are (4H), rows in PyTorch's i, f, g, o order.
    /// </summary>
    public Lstm(int inputSize, int hiddenSize, int layers, Func<string, Tensor> tensor)
        : base(inputSize, hiddenSize, layers)
    {
        _padded = GateMath.Padded(hiddenSize);
        _layers = new Linear[layers];
        for (int l = 0; l < layers; l++)
        {
            (Tensor wih, Tensor whh, Tensor bih, Tensor bhh) = RecurrentParameters.Layer(CellKind.Lstm, tensor, l, inputSize, hiddenSize);
            int layerInput = l == 0 ? inputSize : hiddenSize;
            int k = layerInput + hiddenSize;
            var weight = new float[GateCount * _padded * k];
            var bias = new float[GateCount * _padded];
            for (int g = 0; g < GateCount; g++)
            {
                for (int j = 0; j < hiddenSize; j++)
                {
                    int row = PackedRow(g, j);
                    int source = g * hiddenSize + j;
                    wih.Span.Slice(source * layerInput, layerInput).CopyTo(weight.AsSpan(row * k, layerInput));
                    whh.Span.Slice(source * hiddenSize, hiddenSize).CopyTo(weight.AsSpan(row * k + layerInput, hiddenSize));
                    bias[row] = bih.Data[source] + bhh.Data[source];
                }
            }
            _layers[l] = new Linear(weight, bias, GateCount * _padded, k);
        }
    }

    /// <inheritdoc />
    public override CellKind Kind => CellKind.Lstm;

    /// <inheritdoc />
    public override void EnsureCapacity(int batch)
    {
        base.EnsureCapacity(batch);
        if (batch <= _capacity)
        {
            return;
        }
        int k = Math.Max(InputSize, HiddenSize) + HiddenSize;
        _xh = new float[checked(batch * k)];
        _gates = new float[checked(batch * GateCount * _padded)];
        _capacity = batch;
    }

    /// <summary>
    /// One step. x is (batch, InputSize); state is (batch, StateSize) as [h_0, c_0, h_1, c_1, …], updated in place;
    /// output is (batch, HiddenSize), the top layer's new h. Allocates nothing once capacity covers the batch.
    /// </summary>
    public override void Step(ReadOnlySpan<float> x, Span<float> state, Span<float> output, int batch)
    {
        CheckStep(x.Length, state.Length, output.Length, batch);
        EnsureCapacity(batch);
        int hidden = HiddenSize;
        int size = StateSize;
        int gateRow = GateCount * _padded;
        IsaLevel isa = KernelIsa.Current;
        for (int l = 0; l < Layers; l++)
        {
            int layerInput = l == 0 ? InputSize : hidden;
            int k = layerInput + hidden;
            int hOffset = 2 * l * hidden;
            Span<float> xh = _xh.AsSpan(0, batch * k);
            for (int b = 0; b < batch; b++)
            {
                ReadOnlySpan<float> input = l == 0 ? x.Slice(b * layerInput, layerInput) : state.Slice(b * size + hOffset - 2 * hidden, hidden);
                input.CopyTo(xh.Slice(b * k, layerInput));
                state.Slice(b * size + hOffset, hidden).CopyTo(xh.Slice(b * k + layerInput, hidden));
            }
            Span<float> gates = _gates.AsSpan(0, batch * gateRow);
            _layers[l].Forward(xh, gates, batch);
            for (int b = 0; b < batch; b++)
            {
                Span<float> h = state.Slice(b * size + hOffset, hidden);
                Span<float> c = state.Slice(b * size + hOffset + hidden, hidden);
                GateMath.Lstm(isa, gates.Slice(b * gateRow, gateRow), h, c);
            }
        }
        int top = 2 * (Layers - 1) * hidden;
        for (int b = 0; b < batch; b++)
        {
            state.Slice(b * size + top, hidden).CopyTo(output.Slice(b * hidden, hidden));
        }
    }

    /// <summary>Row of gate <paramref name="gate"/> (0..3 = i, f, g, o) of hidden unit <paramref name="unit"/> in the packed weight.</summary>
    internal static int PackedRow(int gate, int unit) => unit / Width * (GateCount * Width) + gate * Width + unit % Width;
}
