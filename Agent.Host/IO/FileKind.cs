namespace AgentRnn.Host.IO;

/// <summary>What a path is, as the file system records it (S_IFMT).</summary>
internal enum FileKind
{
    /// <summary>Nothing exists at the path.</summary>
    Missing,

    /// <summary>A regular file.</summary>
    Regular,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A named pipe (FIFO).</summary>
    Fifo,

    /// <summary>A Unix-domain socket.</summary>
    Socket,

    /// <summary>A character device such as /dev/null or /dev/full.</summary>
    CharacterDevice,

    /// <summary>A block device.</summary>
    BlockDevice,

    /// <summary>A symbolic link (only when links are not followed).</summary>
    SymbolicLink,

    /// <summary>Something else, or a type this platform cannot read.</summary>
    Other,
}
