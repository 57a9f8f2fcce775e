using System.Runtime.InteropServices;

namespace AgentRnn.Host.Env;

/// <summary>
/// Whether a path is a Unix-domain socket, so that a server replaces only a stale socket left by a crash and never a
/// regular file, a directory, a FIFO or a device that happens to sit at the address it was given. .NET reports every
/// non-directory as a plain file, so the type comes from statx(2), whose layout is the same on every Linux architecture.
/// </summary>
internal static partial class UnixSocketFile
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 28;    // struct statx: u32 mask, u32 blksize, u64 attributes, u32 nlink, u32 uid, u32 gid, u16 mode
    private const int StatxBytes = 256;   // sizeof(struct statx)
    private const int TypeMask = 0xF000;  // S_IFMT
    private const int Socket = 0xC000;    // S_IFSOCK

    /// <summary>
    /// True only when <paramref name="path"/> exists and is itself a socket (a symbolic link is not followed). False
    /// when it is anything else, does not exist, or the type cannot be read (not Linux): callers then leave it alone.
    /// </summary>
    public static unsafe bool IsSocket(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        byte* buffer = stackalloc byte[StatxBytes];
        try
        {
            if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType, buffer) != 0)
            {
                return false;
            }
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
        int mode = *(ushort*)(buffer + ModeOffset);
        return (mode & TypeMask) == Socket;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);
}
