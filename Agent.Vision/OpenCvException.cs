using AgentRnn.Core;
using AgentRnn.Vision.Interop;

namespace AgentRnn.Vision;

/// <summary>
/// A failure reported by OpenCV through native/agentcv. C++ exceptions never cross the native boundary: each export
/// returns a status, and this exception carries OpenCV's own message.
/// </summary>
public class OpenCvException : AgentException
{
    /// <summary>Creates the exception from OpenCV's message.</summary>
    public OpenCvException(string openCvMessage)
        : base($"OpenCV: {openCvMessage}")
    {
        OpenCvMessage = openCvMessage;
    }

    internal OpenCvException(NativeStatus status, string openCvMessage)
        : this(openCvMessage)
    {
        Status = status;
    }

    /// <summary>The message OpenCV (or the bridge's argument checks) gave.</summary>
    public string OpenCvMessage { get; }

    internal NativeStatus Status { get; } = NativeStatus.Error;
}
