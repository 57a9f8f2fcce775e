using AgentRnn.Core;

namespace AgentRnn.Host.IO;

/// <summary>
/// The one check every command runs on its output paths before it reads or writes anything: an output may be a new
/// path or an existing regular file, and never the same file as one of the command's inputs (a video, a model, a
/// classes or labels file) or as another of its outputs. "The same file" is decided by device and inode
/// (<see cref="FileStat"/>), so symbolic links, hard links and ".." spellings are all seen through; the "PATH.partial"
/// file an output is written to first is held to the same rules.
/// </summary>
/// <remarks>
/// Register every input first, then every output; each call throws <see cref="OutputPathException"/> with one line
/// naming the path and what it collides with. Not thread-safe: one command builds one guard.
/// </remarks>
public sealed class OutputGuard
{
    /// <summary>Suffix of the file an output is written to before it is renamed into place.</summary>
    public const string PartialSuffix = ".partial";

    private readonly List<Entry> _inputs = [];
    private readonly List<Entry> _outputs = [];

    /// <summary>The outputs accepted so far, as full paths.</summary>
    public IEnumerable<string> Outputs => _outputs.Select(o => o.Stat.ResolvedPath);

    /// <summary>Records an input (it need not exist yet: a missing input is reported by whoever opens it).</summary>
    /// <param name="path">The path as the user gave it.</param>
    /// <param name="role">What it is, in words: "video", "model", "classes file".</param>
    public void Input(string path, string role)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(role);
        _inputs.Add(new Entry(path, role, FileStat.Of(path)));
    }

    /// <summary>
    /// Accepts <paramref name="path"/> as an output, or throws naming why not: it is a directory, FIFO, socket, device
    /// or other special file; it is one of the inputs; it is another output; or its partial file is any of those.
    /// Returns the full path to write.
    /// </summary>
    /// <param name="path">The output path as the user gave it (or as derived from an option).</param>
    /// <param name="role">What it is, in words: "rows file", "annotated video".</param>
    /// <param name="partialPath">The file written before the rename, when it is not PATH.partial (a video keeps its extension last).</param>
    /// <exception cref="OutputPathException">The path may not be written (one line).</exception>
    public string Output(string path, string role, string? partialPath = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(role);
        FileStat stat = FileStat.Of(path);
        Check(path, role, stat, path);
        string partial = partialPath ?? path + PartialSuffix;
        Check(partial, role + "'s partial file", FileStat.Of(partial), path);
        _outputs.Add(new Entry(path, role, stat));
        return Path.GetFullPath(path);
    }

    private void Check(string path, string role, in FileStat stat, string output)
    {
        if (stat.Exists && stat.Kind != FileKind.Regular)
        {
            throw new OutputPathException($"{path}: is {Describe(stat.Kind)}, not a regular file; the {role} must be a regular file or a new path");
        }
        foreach (Entry input in _inputs)
        {
            if (stat.SameFileAs(input.Stat))
            {
                string same = SamePath(path, input.Path) ? "" : $" (the same file as {input.Path})";
                throw new OutputPathException($"{output}: the {role} would replace the input {input.Role}{same}; choose another output path");
            }
        }
        foreach (Entry other in _outputs)
        {
            bool sameNew = !stat.Exists && string.Equals(stat.ResolvedPath, other.Stat.ResolvedPath, StringComparison.Ordinal);
            if (sameNew || stat.SameFileAs(other.Stat))
            {
                throw new OutputPathException($"{output}: the {role} is also the {other.Role} ({other.Path}); give each output its own path");
            }
        }
    }

    private static bool SamePath(string a, string b) =>
        string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);

    /// <summary>A file kind in words, as the guard's messages say it: "a FIFO (named pipe)".</summary>
    internal static string Describe(FileKind kind) => kind switch
    {
        FileKind.Directory => "a directory",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.Socket => "a socket",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.SymbolicLink => "a symbolic link",
        _ => "not a file this command can write (unreadable or special)",
    };

    private readonly record struct Entry(string Path, string Role, FileStat Stat);
}
