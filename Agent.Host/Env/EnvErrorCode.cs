namespace AgentRnn.Host.Env;

/// <summary>Codes carried by ERROR messages.</summary>
public enum EnvErrorCode : ushort
{
    /// <summary>A malformed message (the text names the field and byte offset).</summary>
    Malformed = 1,

    /// <summary>The peers speak different protocol versions.</summary>
    VersionMismatch = 2,

    /// <summary>A message larger than the negotiated maximum.</summary>
    TooLarge = 3,

    /// <summary>A message type that is not allowed in this state.</summary>
    Unexpected = 4,

    /// <summary>The environment itself raised.</summary>
    EnvFailed = 5,

    /// <summary>Any other server-side failure.</summary>
    Other = 6,
}
