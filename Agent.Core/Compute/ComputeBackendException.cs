namespace AgentRnn.Core.Compute;

/// <summary>
/// A compute backend cannot be used: no OpenCL runtime, no such device, a kernel that does not build,
/// or a device call that failed. The CLI prints the message as one line and exits non-zero.
/// </summary>
public class ComputeBackendException : AgentException
{
    /// <summary>Creates the exception with a one-line message.</summary>
    public ComputeBackendException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a one-line message and its cause.</summary>
    public ComputeBackendException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
