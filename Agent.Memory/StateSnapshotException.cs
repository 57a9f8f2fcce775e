using AgentRnn.Core;

namespace AgentRnn.Memory;

/// <summary>A stream-state snapshot (bytes or file) that is truncated, malformed or does not fit the store.</summary>
public sealed class StateSnapshotException : AgentException
{
    /// <summary>Creates the exception; the message names the source, what is wrong and where.</summary>
    public StateSnapshotException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
