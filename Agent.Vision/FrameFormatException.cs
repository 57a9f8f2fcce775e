using AgentRnn.Core;

namespace AgentRnn.Vision;

/// <summary>
/// A frame buffer whose layout cannot be used: an unsupported pixel layout, a stride shorter than a row, a buffer
/// smaller than height·stride, or a size other than the one the consumer was created for.
/// </summary>
public class FrameFormatException : AgentException
{
    /// <summary>Creates the exception with a one-line message.</summary>
    public FrameFormatException(string message)
        : base(message)
    {
    }
}
