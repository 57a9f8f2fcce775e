using System.Buffers;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Memory;

/// <summary>
/// The sequence modes of the RNN literature over a <see cref="RecurrentCore"/>: many-to-one (read a whole sequence,
/// keep the last output: classify a clip), many-to-many synced (an output per input frame: label every frame) and
/// one-to-many (feed each output back through a readout as the next input: generate).
/// </summary>
/// <remarks>
/// Thread-safety: these run on the caller's thread and use the core's scratch, so the core's rule applies: one
/// thread at a time per core. They mutate only the caller's state and output spans.
/// </remarks>
public static class SequenceModes
{
    /// <summary>
    /// Many-to-one: runs <paramref name="steps"/> ≥ 1 frames and keeps only the last output. x is (steps, batch, InputSize);
    /// episodeStarts is (steps, batch) or empty (SB3 resets, as <see cref="RecurrentCore.Sequence"/>); state is
    /// (batch, StateSize), updated in place; last is (batch, HiddenSize). Allocates nothing.
    /// </summary>
    public static void ManyToOne(RecurrentCore core, ReadOnlySpan<float> x, ReadOnlySpan<float> episodeStarts, Span<float> state, Span<float> last, int steps, int batch)
    {
        ArgumentNullException.ThrowIfNull(core);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        int inputRow = batch * core.InputSize;
        if (x.Length < (long)steps * inputRow || (!episodeStarts.IsEmpty && episodeStarts.Length < (long)steps * batch))
        {
            throw new ArgumentException($"many-to-one over {steps} steps at batch {batch}: x has {x.Length} floats (needs {(long)steps * inputRow}), "
                + $"episodeStarts {episodeStarts.Length} (needs 0 or {(long)steps * batch})");
        }
        for (int t = 0; t < steps; t++)
        {
            if (!episodeStarts.IsEmpty)
            {
                core.ResetState(state, episodeStarts.Slice(t * batch, batch), batch);
            }
            core.Step(x.Slice(t * inputRow, inputRow), state, last, batch);
        }
    }

    /// <summary>
    /// Many-to-many, synced: one output per input frame. Shapes and resets as <see cref="RecurrentCore.Sequence"/>:
    /// x is (steps, batch, InputSize); episodeStarts is (steps, batch) or empty; state is (batch, StateSize), updated
    /// in place; output is (steps, batch, HiddenSize). Allocates nothing.
    /// </summary>
    public static void ManyToMany(RecurrentCore core, ReadOnlySpan<float> x, ReadOnlySpan<float> episodeStarts, Span<float> state, Span<float> output, int steps, int batch)
    {
        ArgumentNullException.ThrowIfNull(core);
        core.Sequence(x, episodeStarts, state, output, steps, batch);
    }

    /// <summary>
    /// One-to-many: steps on <paramref name="first"/>, then feeds every output back through <paramref name="readout"/>
    /// as the next input. first is (batch, InputSize); state is (batch, StateSize), updated in place; output is
    /// (steps, batch, HiddenSize). The readout runs steps − 1 times (not after the last step). The next-input buffer
    /// is rented once per call, not per step.
    /// </summary>
    public static void OneToMany(RecurrentCore core, ReadOnlySpan<float> first, Span<float> state, Span<float> output, int steps, int batch, SequenceReadout readout)
    {
        ArgumentNullException.ThrowIfNull(core);
        ArgumentNullException.ThrowIfNull(readout);
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        int inputRow = batch * core.InputSize;
        int outputRow = batch * core.HiddenSize;
        if (first.Length < inputRow || output.Length < (long)steps * outputRow)
        {
            throw new ArgumentException($"one-to-many over {steps} steps at batch {batch}: first has {first.Length} floats (needs {inputRow}), "
                + $"output {output.Length} (needs {(long)steps * outputRow})");
        }
        float[] rented = ArrayPool<float>.Shared.Rent(Math.Max(inputRow, 1));
        try
        {
            Span<float> input = rented.AsSpan(0, inputRow);
            first.Slice(0, inputRow).CopyTo(input);
            for (int t = 0; t < steps; t++)
            {
                Span<float> y = output.Slice(t * outputRow, outputRow);
                core.Step(input, state, y, batch);
                if (t + 1 < steps)
                {
                    readout(y, input, batch);
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }
}
