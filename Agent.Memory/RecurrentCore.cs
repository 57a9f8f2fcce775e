namespace Agent.Memory;

/// <summary>
/// A multi-layer recurrent core (nn.LSTM / nn.GRU / nn.RNN semantics). The state goes in and out
/// explicitly as a caller-owned span of <see cref="StateSize"/> floats per stream, so many streams can be
/// gathered into one batch and stepped together.
/// </summary>
/// <remarks>
/// State layout per stream: for each layer l in order, h_l (HiddenSize floats), then for LSTM c_l
/// (HiddenSize floats). A zeroed state is PyTorch's default initial state.
/// Thread-safety: instances hold scratch memory; one thread steps a given instance at a time.
/// </remarks>
public abstract class RecurrentCore
{
    /// <summary>Creates the core's geometry.</summary>
    protected RecurrentCore(int inputSize, int hiddenSize, int layers)
    {
        if (inputSize <= 0 || hiddenSize <= 0 || layers <= 0)
        {
            throw new ArgumentException($"bad recurrent geometry: input={inputSize} hidden={hiddenSize} layers={layers}");
        }
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        Layers = layers;
    }

    /// <summary>Which cell.</summary>
    public abstract CellKind Kind { get; }

    /// <summary>Width of each input row.</summary>
    public int InputSize { get; }

    /// <summary>Width of h.</summary>
    public int HiddenSize { get; }

    /// <summary>Number of stacked layers.</summary>
    public int Layers { get; }

    /// <summary>Floats of state per stream: Layers·HiddenSize, doubled for LSTM (h and c).</summary>
    public int StateSize => Layers * HiddenSize * (Kind == CellKind.Lstm ? 2 : 1);

    /// <summary>
    /// One step for a batch of streams. x is (batch, InputSize); state is (batch, StateSize), updated in place;
    /// output is (batch, HiddenSize), the top layer's new h. Allocates nothing.
    /// </summary>
    public abstract void Step(ReadOnlySpan<float> x, Span<float> state, Span<float> output, int batch);
}
