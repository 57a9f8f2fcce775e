using System.Collections.Concurrent;
using AgentRnn.Host.Pipeline;

namespace AgentRnn.Tests.Host.Pipeline;

/// <summary>Keeps every result per stream (allocates; for behaviour tests, not the allocation test).</summary>
internal sealed class RecordingSink : IResultSink
{
    public record Row(long Index, double Time, int Action, float Score, float Value);

    public ConcurrentDictionary<int, List<Row>> Rows { get; } = new();

    public ConcurrentDictionary<int, StreamEnd> Ends { get; } = new();

    public Action<int, long>? OnFrameHook { get; set; }

    /// <summary>Frames received so far, all streams.</summary>
    public long Received => Interlocked.Read(ref _received);

    private long _received;

    public void OnFrame(in FrameResult result)
    {
        Assert.False(Ends.ContainsKey(result.Stream), "a frame arrived after its stream's end");
        Rows.GetOrAdd(result.Stream, _ => new List<Row>())
            .Add(new Row(result.Frame.Index, result.Frame.TimeSeconds, result.Action, result.Score, result.Value));
        Interlocked.Increment(ref _received);
        OnFrameHook?.Invoke(result.Stream, result.Frame.Index);
    }

    public void OnStreamEnd(in StreamEnd end)
    {
        Assert.True(Ends.TryAdd(end.Stream, end), $"stream {end.Stream} ended twice");
    }

    public IReadOnlyList<Row> Of(int stream) => Rows.TryGetValue(stream, out List<Row>? rows) ? rows : [];
}
