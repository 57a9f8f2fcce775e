using AgentRnn.Host.Pipeline;

namespace AgentRnn.Host.Labeling.Report;

/// <summary>
/// A sink in front of another: each frame of a stream that has a <see cref="LabelTimeline"/> is added to it, then
/// every call goes on to the wrapped sink unchanged. Allocates nothing per frame.
/// </summary>
/// <param name="inner">The sink that writes the labels.</param>
/// <param name="timelines">A timeline per stream, or null for a stream without a report.</param>
internal sealed class ReportSink(IResultSink inner, IReadOnlyList<LabelTimeline?> timelines) : IResultSink
{
    public void OnFrame(in FrameResult result)
    {
        timelines[result.Stream]?.Add(result.Frame.Index, result.Frame.TimeSeconds, result.Action, result.Score, result.Probs, result.Value);
        inner.OnFrame(result);
    }

    public void OnStreamEnd(in StreamEnd end) => inner.OnStreamEnd(end);
}
