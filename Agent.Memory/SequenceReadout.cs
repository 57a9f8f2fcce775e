namespace AgentRnn.Memory;

/// <summary>
/// Maps a step's output to the next step's input, for one-to-many generation. output is (batch, HiddenSize);
/// nextInput is (batch, InputSize) and must be filled completely. Called on the generating thread; it must not
/// keep the spans.
/// </summary>
public delegate void SequenceReadout(ReadOnlySpan<float> output, Span<float> nextInput, int batch);
