using AgentRnn.Core;

namespace AgentRnn.Host.Models;

/// <summary>A model file or configuration that cannot be used: the message names the file, the tensor and what was expected.</summary>
public sealed class ModelFormatException : AgentException
{
    /// <summary>Creates the exception with a one-line message.</summary>
    public ModelFormatException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
