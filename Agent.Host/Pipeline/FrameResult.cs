namespace AgentRnn.Host.Pipeline;

/// <summary>
/// The model's output for one frame of one stream, as a sink sees it. The probability span points into the
/// pipeline's slot memory and is valid only during the <see cref="IResultSink.OnFrame"/> call.
/// </summary>
public readonly ref struct FrameResult
{
    /// <summary>Creates a result view.</summary>
    public FrameResult(int stream, FrameInfo frame, int action, float value, ReadOnlySpan<float> probs)
    {
        Stream = stream;
        Frame = frame;
        Action = action;
        Value = value;
        Probs = probs;
    }

    /// <summary>The stream's position in the source list.</summary>
    public int Stream { get; }

    /// <summary>The frame's index and time.</summary>
    public FrameInfo Frame { get; }

    /// <summary>The greedy action (argmax of <see cref="Probs"/>).</summary>
    public int Action { get; }

    /// <summary>Probability of <see cref="Action"/>.</summary>
    public float Score => Probs[Action];

    /// <summary>The critic's value estimate.</summary>
    public float Value { get; }

    /// <summary>The full action distribution, ActionCount floats.</summary>
    public ReadOnlySpan<float> Probs { get; }
}
