namespace AgentRnn.Host.Env;

/// <summary>Message types of the env protocol (the byte after the length prefix).</summary>
public enum MessageType : byte
{
    /// <summary>Client → server: magic, version, the client's maximum message size.</summary>
    Hello = 1,

    /// <summary>Server → client: version, autoreset mode, negotiated maximum, number of envs, spaces, metadata.</summary>
    Spec = 2,

    /// <summary>Client → server: optional seed, optional per-env mask, options.</summary>
    Reset = 3,

    /// <summary>Server → client: observations and infos.</summary>
    ResetResult = 4,

    /// <summary>Client → server: one action per env.</summary>
    Step = 5,

    /// <summary>Server → client: observations, rewards, flags, final observations, infos.</summary>
    StepResult = 6,

    /// <summary>Client → server: end of session, no reply.</summary>
    Close = 7,

    /// <summary>Either way: an error code and one line of text; the sender then closes the connection.</summary>
    Error = 8,
}
