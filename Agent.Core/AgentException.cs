namespace AgentRnn.Core;

/// <summary>
/// An error a user can cause — a bad file, a bad message, a bad flag — as opposed to a bug.
/// The CLI prints its message as one line (no stack trace unless --verbose) and exits non-zero.
/// Messages name what was wrong and where (a path, a frame index, a tensor name).
/// </summary>
public class AgentException : Exception
{
    /// <summary>Creates the exception with a one-line message.</summary>
    public AgentException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a one-line message and its cause.</summary>
    public AgentException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The process exit code the CLI uses for this error.</summary>
    public virtual int ExitCode => 1;
}
