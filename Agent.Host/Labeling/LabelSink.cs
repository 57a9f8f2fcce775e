using AgentRnn.Host.Pipeline;

namespace AgentRnn.Host.Labeling;

/// <summary>Routes each stream's results to its <see cref="LabelTarget"/> and finalises the target when the stream ends.</summary>
internal sealed class LabelSink(IReadOnlyList<LabelTarget> targets) : IResultSink
{
    private readonly StreamEnd?[] _ends = new StreamEnd?[targets.Count];

    /// <summary>How each stream ended, by stream; null while running.</summary>
    public IReadOnlyList<StreamEnd?> Ends => _ends;

    public void OnFrame(in FrameResult result) =>
        targets[result.Stream].Add(result.Frame.Index, result.Frame.TimeSeconds, result.Action, result.Probs, result.Value);

    public void OnStreamEnd(in StreamEnd end)
    {
        _ends[end.Stream] = end;
        targets[end.Stream].Complete();
    }
}
