namespace AgentRnn.Host.Env;

/// <summary>A message that breaks the protocol: the text names the field and its byte offset in the message.</summary>
public sealed class EnvProtocolException : EnvException
{
    /// <summary>Creates the exception; <paramref name="code"/> is what an ERROR reply to it carries.</summary>
    public EnvProtocolException(string message, EnvErrorCode code = EnvErrorCode.Malformed)
        : base(message)
    {
        Code = code;
    }

    /// <summary>The error code an ERROR reply to this message carries.</summary>
    public EnvErrorCode Code { get; }
}
