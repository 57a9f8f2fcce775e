using AgentRnn.Core;

namespace AgentRnn.Vision;

/// <summary>A failure reported by OpenCV (through OpenCvSharp), carrying OpenCV's own message.</summary>
public class OpenCvException : AgentException
{
    /// <summary>Creates the exception from OpenCV's message.</summary>
    public OpenCvException(string openCvMessage)
        : base($"OpenCV: {openCvMessage}")
    {
        OpenCvMessage = openCvMessage;
    }

    /// <summary>Creates the exception from OpenCV's message and OpenCvSharp's exception.</summary>
    public OpenCvException(string openCvMessage, Exception innerException)
        : base($"OpenCV: {openCvMessage}", innerException)
    {
        OpenCvMessage = openCvMessage;
    }

    /// <summary>The message OpenCV gave.</summary>
    public string OpenCvMessage { get; }
}
