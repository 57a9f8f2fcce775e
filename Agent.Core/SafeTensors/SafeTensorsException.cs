namespace AgentRnn.Core.SafeTensors;

/// <summary>A safetensors file that is malformed or does not hold what was asked for.</summary>
public sealed class SafeTensorsException : AgentException
{
    /// <summary>Creates the exception; the message names the file and what is wrong.</summary>
    public SafeTensorsException(string message, Exception? inner = null)
        : base(message, inner)
    {
    }
}
