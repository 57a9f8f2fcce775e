using AgentRnn.Core.Recurrent;

namespace AgentRnn.Core.Compute;

/// <summary>A recurrent layer's shape: cell (PyTorch nn.LSTM / nn.GRU / nn.RNN with tanh), input width, hidden width, stacked layers.</summary>
/// <param name="Cell">The cell.</param>
/// <param name="InputSize">Width of each input row.</param>
/// <param name="HiddenSize">Width of h (and c for LSTM).</param>
/// <param name="Layers">Stacked layers.</param>
public readonly record struct RecurrentSpec(CellKind Cell, int InputSize, int HiddenSize, int Layers = 1)
{
    /// <summary>
    /// Floats of state per slot: for each layer in order h (HiddenSize floats), then for LSTM c (HiddenSize floats),
    /// i.e. [h_0, c_0, h_1, c_1, …] for LSTM and [h_0, h_1, …] otherwise — the layout of <see cref="RecurrentCore"/>.
    /// </summary>
    public int StateSize => Layers * HiddenSize * (Cell == CellKind.Lstm ? 2 : 1);

    /// <summary>Throws a one-line <see cref="ArgumentException"/> when the shape is not a valid layer.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Cell))
        {
            throw new ArgumentException($"unknown cell kind {Cell}");
        }
        if (InputSize <= 0 || HiddenSize <= 0 || Layers <= 0)
        {
            throw new ArgumentException($"bad recurrent geometry: input={InputSize} hidden={HiddenSize} layers={Layers}");
        }
    }
}
