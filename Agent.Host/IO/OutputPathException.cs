using AgentRnn.Core;

namespace AgentRnn.Host.IO;

/// <summary>An output path that may not be written: a special file, an input, or another output (one line).</summary>
public sealed class OutputPathException : AgentException
{
    /// <summary>Creates the exception with its one-line message.</summary>
    public OutputPathException(string message)
        : base(message)
    {
    }
}
