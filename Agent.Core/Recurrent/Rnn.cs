using AgentRnn.Core;
using AgentRnn.Core.Kernels;

namespace AgentRnn.Core.Recurrent;

/// <summary>
/// nn.RNN with tanh: h' = tanh(W_ih x + b_ih + W_hh h + b_hh), stacked layers. Each layer is one GEMM over
/// [x; h] with the two biases summed once at construction and tanh fused into the layer.
/// </summary>
/// <remarks>
/// Thread-safety: as <see cref="RecurrentCore"/>: the scratch memory belongs to the instance, so one thread
/// steps it at a time; <see cref="Step"/> mutates only the caller's state and output spans and that scratch.
/// </remarks>
public sealed class Rnn : RecurrentCore
{
    private readonly Linear[] _layers; // layer l: weight (H, in_l + H) over [x; h], bias b_ih + b_hh
    private float[] _xh = [];          // (capacity, max in_l + H)
    private float[] _h = [];           // (capacity, H): the layer's new h before it goes back into the state
    private int _capacity;

    /// <summary>
    /// Copies nn.RNN (nonlinearity 'tanh') parameters (see <see cref="RecurrentCore.Create"/> for the names and checks).
    /// weight_ih_l{k} is (H, in), weight_hh_l{k} is (H, H), biases are (H).
    /// </summary>
    public Rnn(int inputSize, int hiddenSize, int layers, Func<string, Tensor> tensor)
        : base(inputSize, hiddenSize, layers)
    {
        _layers = new Linear[layers];
        for (int l = 0; l < layers; l++)
        {
            (Tensor wih, Tensor whh, Tensor bih, Tensor bhh) = RecurrentParameters.Layer(CellKind.Rnn, tensor, l, inputSize, hiddenSize);
            int layerInput = l == 0 ? inputSize : hiddenSize;
            int k = layerInput + hiddenSize;
            var weight = new float[hiddenSize * k];
            var bias = new float[hiddenSize];
            for (int j = 0; j < hiddenSize; j++)
            {
                wih.Span.Slice(j * layerInput, layerInput).CopyTo(weight.AsSpan(j * k, layerInput));
                whh.Span.Slice(j * hiddenSize, hiddenSize).CopyTo(weight.AsSpan(j * k + layerInput, hiddenSize));
                bias[j] = bih.Data[j] + bhh.Data[j];
            }
            _layers[l] = new Linear(weight, bias, hiddenSize, k);
        }
    }

    /// <inheritdoc />
    public override CellKind Kind => CellKind.Rnn;

    /// <inheritdoc />
    public override void EnsureCapacity(int batch)
    {
        base.EnsureCapacity(batch);
        if (batch <= _capacity)
        {
            return;
        }
        _xh = new float[checked(batch * (Math.Max(InputSize, HiddenSize) + HiddenSize))];
        _h = new float[checked(batch * HiddenSize)];
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
        Span<float> hNew = _h.AsSpan(0, batch * hidden);
        for (int l = 0; l < Layers; l++)
        {
            int layerInput = l == 0 ? InputSize : hidden;
            int k = layerInput + hidden;
            int hOffset = l * hidden;
            Span<float> xh = _xh.AsSpan(0, batch * k);
            for (int b = 0; b < batch; b++)
            {
                ReadOnlySpan<float> input = l == 0 ? x.Slice(b * layerInput, layerInput) : state.Slice(b * size + hOffset - hidden, hidden);
                input.CopyTo(xh.Slice(b * k, layerInput));
                state.Slice(b * size + hOffset, hidden).CopyTo(xh.Slice(b * k + layerInput, hidden));
            }
            _layers[l].Forward(xh, hNew, batch, Activation.Tanh);
            for (int b = 0; b < batch; b++)
            {
                hNew.Slice(b * hidden, hidden).CopyTo(state.Slice(b * size + hOffset, hidden));
            }
        }
        hNew.CopyTo(output);
    }
}
