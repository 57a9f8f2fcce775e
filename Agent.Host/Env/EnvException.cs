using AgentRnn.Core;

namespace AgentRnn.Host.Env;

/// <summary>
/// An environment connection failed: it was refused, timed out, closed early, or the peer reported an error.
/// The message is one line naming the peer and what went wrong.
/// </summary>
public class EnvException : AgentException
{
    /// <summary>Creates the exception.</summary>
    public EnvException(string message, EnvErrorCode? remoteCode = null, Exception? innerException = null)
        : base(message, innerException)
    {
        RemoteCode = remoteCode;
    }

    /// <summary>The code of the ERROR message the peer sent, when this exception reports one.</summary>
    public EnvErrorCode? RemoteCode { get; }
}
