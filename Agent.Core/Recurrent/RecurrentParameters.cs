using AgentRnn.Core;

namespace AgentRnn.Core.Recurrent;

/// <summary>Fetches PyTorch recurrent parameters by state_dict name and checks their shapes.</summary>
internal static class RecurrentParameters
{
    /// <summary>Gates per cell in PyTorch's stacked weights: LSTM i,f,g,o; GRU r,z,n; RNN one.</summary>
    public static int Gates(CellKind kind) => kind switch
    {
        CellKind.Lstm => 4,
        CellKind.Gru => 3,
        _ => 1,
    };

    /// <summary>Layer <paramref name="layer"/>'s four tensors: weight_ih (G·H, in), weight_hh (G·H, H), bias_ih (G·H), bias_hh (G·H).</summary>
    public static (Tensor Wih, Tensor Whh, Tensor Bih, Tensor Bhh) Layer(CellKind kind, Func<string, Tensor> tensor, int layer, int inputSize, int hiddenSize)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        int rows = Gates(kind) * hiddenSize;
        int layerInput = layer == 0 ? inputSize : hiddenSize;
        return (
            Fetch(tensor, $"weight_ih_l{layer}", rows, layerInput),
            Fetch(tensor, $"weight_hh_l{layer}", rows, hiddenSize),
            Fetch(tensor, $"bias_ih_l{layer}", rows),
            Fetch(tensor, $"bias_hh_l{layer}", rows));
    }

    private static Tensor Fetch(Func<string, Tensor> tensor, string name, params int[] expected)
    {
        Tensor? t = tensor(name);
        if (t is null)
        {
            throw new ArgumentException($"recurrent parameter '{name}' is missing, expected shape {Tensor.FormatShape(expected)}");
        }
        if (!t.Shape.SequenceEqual(expected))
        {
            throw new ArgumentException($"recurrent parameter '{name}' has shape {t.ShapeString}, expected {Tensor.FormatShape(expected)}");
        }
        return t;
    }
}
