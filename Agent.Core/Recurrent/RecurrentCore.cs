using AgentRnn.Core;

namespace AgentRnn.Core.Recurrent;

/// <summary>
/// A multi-layer recurrent core (nn.LSTM / nn.GRU / nn.RNN semantics). The state goes in and out
/// explicitly as a caller-owned span of <see cref="StateSize"/> floats per stream, so many streams can be
/// gathered into one batch and stepped together.
/// </summary>
/// <remarks>
/// State layout per stream: for each layer l in order, h_l (HiddenSize floats), then for LSTM c_l
/// (HiddenSize floats), i.e. [h_0, c_0, h_1, c_1, …] for LSTM and [h_0, h_1, …] otherwise
/// (<see cref="HiddenOffset"/>, <see cref="CellOffset"/>). A zeroed state is PyTorch's default initial state.
/// Thread-safety: instances hold scratch memory; one thread steps a given instance at a time. Weights are
/// immutable after construction, so separate instances built from the same tensors may run concurrently.
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
    /// Floating-point operations per stream and step, 2 per multiply-add of the input and hidden matrices
    /// (gate nonlinearities not counted): Σ over layers of 2·(in_l + H)·gates·H, gates = 4 (LSTM), 3 (GRU), 1 (RNN).
    /// </summary>
    public long FlopsPerStep
    {
        get
        {
            int gates = Kind switch { CellKind.Lstm => 4, CellKind.Gru => 3, _ => 1 };
            long macs = 0;
            for (int l = 0; l < Layers; l++)
            {
                macs += (long)((l == 0 ? InputSize : HiddenSize) + HiddenSize) * gates * HiddenSize;
            }
            return 2 * macs;
        }
    }

    /// <summary>
    /// Builds a core from PyTorch parameters. <paramref name="tensor"/> maps nn.LSTM/GRU/RNN state_dict names
    /// without a prefix ("weight_ih_l{k}", "weight_hh_l{k}", "bias_ih_l{k}", "bias_hh_l{k}", k = 0..layers−1)
    /// to tensors; every shape is checked, and a wrong one throws an <see cref="ArgumentException"/> naming the
    /// tensor, its shape and the expected shape. The tensors are copied (repacked), not kept.
    /// </summary>
    public static RecurrentCore Create(CellKind kind, int inputSize, int hiddenSize, int layers, Func<string, Tensor> tensor) => kind switch
    {
        CellKind.Lstm => new Lstm(inputSize, hiddenSize, layers, tensor),
        CellKind.Gru => new Gru(inputSize, hiddenSize, layers, tensor),
        CellKind.Rnn => new Rnn(inputSize, hiddenSize, layers, tensor),
        _ => throw new ArgumentException($"unknown cell kind {kind}", nameof(kind)),
    };

    /// <summary>Offset of layer <paramref name="layer"/>'s h within one stream's state.</summary>
    public int HiddenOffset(int layer)
    {
        CheckLayer(layer);
        return layer * HiddenSize * (Kind == CellKind.Lstm ? 2 : 1);
    }

    /// <summary>Offset of layer <paramref name="layer"/>'s c within one stream's state (LSTM only).</summary>
    public int CellOffset(int layer)
    {
        if (Kind != CellKind.Lstm)
        {
            throw new InvalidOperationException($"{Kind} has no cell state");
        }
        return HiddenOffset(layer) + HiddenSize;
    }

    /// <summary>
    /// Grows the scratch memory once so that steps up to <paramref name="batch"/> streams allocate nothing.
    /// <see cref="Step"/> calls it itself; call it up front to keep the first large step allocation-free too.
    /// </summary>
    public virtual void EnsureCapacity(int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
    }

    /// <summary>
    /// One step for a batch of streams. x is (batch, InputSize); state is (batch, StateSize), updated in place;
    /// output is (batch, HiddenSize), the top layer's new h. Allocates nothing.
    /// </summary>
    public abstract void Step(ReadOnlySpan<float> x, Span<float> state, Span<float> output, int batch);

    /// <summary>
    /// T steps for a batch of streams, as SB3's RecurrentPPO runs its LSTM: before step t every stream's state
    /// is multiplied by (1 − episodeStarts[t, b]). x is (steps, batch, InputSize); episodeStarts is
    /// (steps, batch), or empty for no resets; state is (batch, StateSize), updated in place; output is
    /// (steps, batch, HiddenSize), the top layer's h after every step. Allocates nothing.
    /// </summary>
    public void Sequence(ReadOnlySpan<float> x, ReadOnlySpan<float> episodeStarts, Span<float> state, Span<float> output, int steps, int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        long inputRow = (long)batch * InputSize;
        long outputRow = (long)batch * HiddenSize;
        if (x.Length < steps * inputRow || output.Length < steps * outputRow
            || (!episodeStarts.IsEmpty && episodeStarts.Length < (long)steps * batch) || state.Length < (long)batch * StateSize)
        {
            throw new ArgumentException(
                $"{Kind} sequence of {steps} steps at batch {batch}: x has {x.Length} floats (needs {steps * inputRow}), "
                + $"episodeStarts {episodeStarts.Length} (needs 0 or {(long)steps * batch}), state {state.Length} (needs {(long)batch * StateSize}), "
                + $"output {output.Length} (needs {steps * outputRow})");
        }
        for (int t = 0; t < steps; t++)
        {
            if (!episodeStarts.IsEmpty)
            {
                ResetState(state, episodeStarts.Slice(t * batch, batch), batch);
            }
            Step(x.Slice((int)(t * inputRow), (int)inputRow), state, output.Slice((int)(t * outputRow), (int)outputRow), batch);
        }
    }

    /// <summary>
    /// SB3's episode-start mask: state[b] ← state[b]·(1 − episodeStarts[b]). state is (batch, StateSize);
    /// episodeStarts is (batch); 1 zeroes a stream's state, 0 keeps it.
    /// </summary>
    public void ResetState(Span<float> state, ReadOnlySpan<float> episodeStarts, int batch)
    {
        int size = StateSize;
        if (batch < 0 || episodeStarts.Length < batch || state.Length < (long)batch * size)
        {
            throw new ArgumentException($"reset at batch {batch}: episodeStarts has {episodeStarts.Length} floats, state {state.Length} (needs {(long)batch * size})");
        }
        for (int b = 0; b < batch; b++)
        {
            float start = episodeStarts[b];
            if (start == 0f)
            {
                continue;
            }
            Span<float> row = state.Slice(b * size, size);
            if (start == 1f)
            {
                row.Clear();
            }
            else
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(row, 1f - start, row);
            }
        }
    }

    /// <summary>
    /// Converts this core's state to PyTorch's: state is (batch, StateSize); h and c are (Layers, batch, HiddenSize)
    /// as nn.LSTM's (h_n, c_n); c must be empty for GRU and RNN.
    /// </summary>
    public void CopyStateToLayers(ReadOnlySpan<float> state, Span<float> h, Span<float> c, int batch)
    {
        CheckLayerSpans(state.Length, h.Length, c.Length, batch);
        int size = StateSize;
        int hidden = HiddenSize;
        for (int l = 0; l < Layers; l++)
        {
            for (int b = 0; b < batch; b++)
            {
                int dst = (l * batch + b) * hidden;
                state.Slice(b * size + HiddenOffset(l), hidden).CopyTo(h.Slice(dst, hidden));
                if (Kind == CellKind.Lstm)
                {
                    state.Slice(b * size + CellOffset(l), hidden).CopyTo(c.Slice(dst, hidden));
                }
            }
        }
    }

    /// <summary>
    /// Converts PyTorch's state to this core's: h and c are (Layers, batch, HiddenSize) as nn.LSTM's (h_0, c_0),
    /// c empty for GRU and RNN; state is (batch, StateSize).
    /// </summary>
    public void CopyStateFromLayers(ReadOnlySpan<float> h, ReadOnlySpan<float> c, Span<float> state, int batch)
    {
        CheckLayerSpans(state.Length, h.Length, c.Length, batch);
        int size = StateSize;
        int hidden = HiddenSize;
        for (int l = 0; l < Layers; l++)
        {
            for (int b = 0; b < batch; b++)
            {
                int src = (l * batch + b) * hidden;
                h.Slice(src, hidden).CopyTo(state.Slice(b * size + HiddenOffset(l), hidden));
                if (Kind == CellKind.Lstm)
                {
                    c.Slice(src, hidden).CopyTo(state.Slice(b * size + CellOffset(l), hidden));
                }
            }
        }
    }

    /// <summary>Checks a step's span lengths once, naming every size when one is short.</summary>
    protected void CheckStep(int xLength, int stateLength, int outputLength, int batch)
    {
        if (batch < 0 || xLength < (long)batch * InputSize || stateLength < (long)batch * StateSize || outputLength < (long)batch * HiddenSize)
        {
            throw new ArgumentException(
                $"{Kind}({InputSize}→{HiddenSize}, {Layers} layers) step at batch {batch}: x has {xLength} floats (needs {(long)batch * InputSize}), "
                + $"state {stateLength} (needs {(long)batch * StateSize}), output {outputLength} (needs {(long)batch * HiddenSize})");
        }
    }

    private void CheckLayer(int layer)
    {
        if ((uint)layer >= (uint)Layers)
        {
            throw new ArgumentOutOfRangeException(nameof(layer), $"layer {layer} of a {Layers}-layer core");
        }
    }

    private void CheckLayerSpans(int stateLength, int hLength, int cLength, int batch)
    {
        long layerFloats = (long)Layers * batch * HiddenSize;
        long cNeeded = Kind == CellKind.Lstm ? layerFloats : 0;
        if (batch < 0 || stateLength < (long)batch * StateSize || hLength < layerFloats || cLength < cNeeded || (cNeeded == 0 && cLength != 0))
        {
            throw new ArgumentException(
                $"{Kind} state conversion at batch {batch}: state has {stateLength} floats (needs {(long)batch * StateSize}), "
                + $"h {hLength} (needs {layerFloats}), c {cLength} (needs {cNeeded})");
        }
    }
}
