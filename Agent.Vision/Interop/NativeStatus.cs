namespace AgentRnn.Vision.Interop;

/// <summary>agentcv_status: what every native export returns.</summary>
internal enum NativeStatus
{
    /// <summary>Success.</summary>
    Ok = 0,

    /// <summary>A cv::Exception or std::exception; the message is in agentcv_last_error.</summary>
    Error = 1,

    /// <summary>A null pointer, or a size or stride that does not fit the buffer.</summary>
    BadArgument = 2,

    /// <summary>No further frame.</summary>
    EndOfStream = 3,

    /// <summary>FFmpeg could not open the path as a video, or could not create the writer.</summary>
    CannotOpen = 4,
}
