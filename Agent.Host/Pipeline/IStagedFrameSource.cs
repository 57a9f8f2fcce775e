namespace AgentRnn.Host.Pipeline;

/// <summary>
/// A frame source that times its two halves separately — getting a raw frame (decode or render) and preprocessing
/// it — so a benchmark can report them as stages. Times are totals since creation; read them after the run.
/// </summary>
public interface IStagedFrameSource : IFrameSource
{
    /// <summary>The first half's name in reports: "decode" for video, "render" for the synthetic game.</summary>
    string RawStageName { get; }

    /// <summary>Time spent getting raw frames.</summary>
    TimeSpan RawTime { get; }

    /// <summary>Time spent preprocessing (color, crop, resize, skip, stack).</summary>
    TimeSpan PreprocessTime { get; }
}
