namespace AgentRnn.Host.Pipeline;

/// <summary>
/// Receives results on the pipeline's sink thread: for each stream, every frame in order, then exactly one
/// <see cref="OnStreamEnd"/>. Streams interleave. Implementations must not allocate per frame; an exception thrown
/// here stops the whole run and is rethrown by <see cref="InferencePipeline.RunAsync"/>.
/// </summary>
public interface IResultSink
{
    /// <summary>One frame's result; the spans inside are valid only during the call.</summary>
    void OnFrame(in FrameResult result);

    /// <summary>The stream delivered its last frame (end of stream, a break, or cancellation).</summary>
    void OnStreamEnd(in StreamEnd end);
}
