using System.Runtime.InteropServices;

namespace AgentRnn.Host.IO;

/// <summary>
/// A path's type and identity (device and inode): what .NET does not report on Unix, where every non-directory reads
/// as a plain file. Two paths name the same file when their identities are equal, whatever links, "..", bind mounts or
/// hard links lie between them. Read with statx(2) on Linux, whose layout is the same on every architecture; elsewhere
/// the type is Regular/Directory/Missing only and the identity is the fully resolved path.
/// </summary>
/// <param name="Kind">What the path is.</param>
/// <param name="Device">The device holding it (major &lt;&lt; 32 | minor on Linux), or 0.</param>
/// <param name="Inode">Its inode on that device (Linux), or 0.</param>
/// <param name="ResolvedPath">The full path with every symbolic link resolved (the identity where there is no inode).</param>
internal readonly partial record struct FileStat(FileKind Kind, ulong Device, ulong Inode, string ResolvedPath)
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasic = 0x7FF;  // STATX_BASIC_STATS: type, mode, ino, …
    private const int StatxBytes = 256;     // sizeof(struct statx)
    private const int ModeOffset = 28;      // u16 stx_mode
    private const int InodeOffset = 32;     // u64 stx_ino
    private const int DevMajorOffset = 136; // u32 stx_dev_major, then u32 stx_dev_minor
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;

    /// <summary>Whether something exists at the path.</summary>
    public bool Exists => Kind != FileKind.Missing;

    /// <summary>Whether this and <paramref name="other"/> are the same existing file.</summary>
    public bool SameFileAs(in FileStat other) =>
        Exists && other.Exists && (Inode != 0 && other.Inode != 0
            ? Device == other.Device && Inode == other.Inode
            : string.Equals(ResolvedPath, other.ResolvedPath, StringComparison.Ordinal));

    /// <summary>
    /// Reads <paramref name="path"/>; with <paramref name="followLinks"/> a symbolic link reports its final target (a
    /// dangling link is Missing). Permission errors on the way give <see cref="FileKind.Other"/>, never an exception.
    /// </summary>
    public static FileStat Of(string path, bool followLinks = true)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        string resolved = Resolve(full);
        if (OperatingSystem.IsLinux() && TryStatx(full, followLinks, out FileStat stat, resolved))
        {
            return stat;
        }
        FileKind kind = Directory.Exists(full) ? FileKind.Directory : File.Exists(full) ? FileKind.Regular : FileKind.Missing;
        return new FileStat(kind, 0, 0, resolved);
    }

    private static unsafe bool TryStatx(string path, bool followLinks, out FileStat stat, string resolved)
    {
        stat = default;
        byte* buffer = stackalloc byte[StatxBytes];
        int result;
        try
        {
            result = Statx(AtFdCwd, path, followLinks ? 0 : AtSymlinkNoFollow, StatxBasic, buffer);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
        if (result != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            stat = new FileStat(errno is ENOENT or ENOTDIR ? FileKind.Missing : FileKind.Other, 0, 0, resolved);
            return true;
        }
        int mode = *(ushort*)(buffer + ModeOffset);
        FileKind kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x1000 => FileKind.Fifo,
            0xC000 => FileKind.Socket,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0xA000 => FileKind.SymbolicLink,
            _ => FileKind.Other,
        };
        ulong device = ((ulong)*(uint*)(buffer + DevMajorOffset) << 32) | *(uint*)(buffer + DevMajorOffset + 4);
        stat = new FileStat(kind, device, *(ulong*)(buffer + InodeOffset), resolved);
        return true;
    }

    // The full path with every link in it resolved, as far as the path exists.
    private static string Resolve(string full)
    {
        try
        {
            string? parent = Path.GetDirectoryName(full);
            string name = Path.GetFileName(full);
            string baseDir = parent is null ? full : Resolve(parent);
            string joined = parent is null ? full : Path.Combine(baseDir, name);
            FileSystemInfo? target = new FileInfo(joined).ResolveLinkTarget(returnFinalTarget: true);
            return target?.FullName ?? joined;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return full;
        }
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static unsafe partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);
}
