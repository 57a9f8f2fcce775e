namespace AgentRnn.Host.Env;

/// <summary>Constants of the env protocol (envs/PROTOCOL.md).</summary>
public static class EnvProtocol
{
    /// <summary>The protocol version this build speaks.</summary>
    public const ushort Version = 1;

    /// <summary>Bytes of the frame header: u32 length, u8 type.</summary>
    public const int HeaderSize = 5;

    /// <summary>Default largest message either side accepts (64 MiB).</summary>
    public const int DefaultMaxMessageSize = 64 * 1024 * 1024;

    /// <summary>The smallest maximum message size a peer may announce.</summary>
    public const int MinMaxMessageSize = 4096;

    /// <summary>Largest message a server accepts before the handshake (HELLO is 17 bytes).</summary>
    public const int HelloLimit = 1024;

    /// <summary>Largest tensor or space rank on the wire.</summary>
    public const int MaxRank = 8;

    /// <summary>Deepest Dict nesting on the wire.</summary>
    public const int MaxDepth = 8;

    /// <summary>Most entries in one Dict space on the wire.</summary>
    public const int MaxDictEntries = 1024;

    /// <summary>Most envs one connection may carry.</summary>
    public const int MaxEnvs = 65536;

    /// <summary>HELLO's magic bytes, "AGRN".</summary>
    public static ReadOnlySpan<byte> Magic => "AGRN"u8;
}
