using AgentRnn.Host.Pipeline;

namespace AgentRnn.Tests.Host.Pipeline;

/// <summary>
/// <see cref="HashModel"/> that also steps one stream's consecutive frames in one call, as a sequence model does:
/// every frame through the same hash, in order, so its results must equal the frame-by-frame model's. Records the
/// sequence lengths it was given.
/// </summary>
internal sealed class SequenceHashModel(int observationSize) : ISequenceBatchModel
{
    private readonly HashModel _inner = new(observationSize);
    private readonly int[] _stream = new int[1];

    public int ObservationSize => _inner.ObservationSize;

    public int ActionCount => _inner.ActionCount;

    /// <summary>Lengths of the sequences stepped, in order.</summary>
    public List<int> Sequences { get; } = [];

    /// <summary>Sleeps this long in each call to stand for a slow model.</summary>
    public TimeSpan StepDelay { get; set; }

    public void Step(ReadOnlySpan<byte> frames, ReadOnlySpan<int> streams, ReadOnlySpan<float> episodeStarts,
        Span<float> probs, Span<float> values, Span<int> actions, int batch) =>
        _inner.Step(frames, streams, episodeStarts, probs, values, actions, batch);

    public void StepSequence(ReadOnlySpan<byte> frames, int stream, ReadOnlySpan<float> episodeStarts,
        Span<float> probs, Span<float> values, Span<int> actions, int steps)
    {
        Sequences.Add(steps);
        if (StepDelay > TimeSpan.Zero)
        {
            Thread.Sleep(StepDelay);
        }
        _stream[0] = stream;
        for (int t = 0; t < steps; t++)
        {
            _inner.Step(frames.Slice(t * ObservationSize, ObservationSize), _stream, episodeStarts.Slice(t, 1),
                probs.Slice(t * ActionCount, ActionCount), values.Slice(t, 1), actions.Slice(t, 1), 1);
        }
    }
}
