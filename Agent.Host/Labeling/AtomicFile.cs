using AgentRnn.Core;

namespace AgentRnn.Host.Labeling;

/// <summary>
/// An output file written as it goes to "PATH.partial" (each write reaches the OS at once, so a crash keeps every
/// row written) and renamed to PATH when committed. Commit also after an error or Ctrl+C: what was labelled is kept.
/// </summary>
internal sealed class AtomicFile : IDisposable
{
    private readonly FileStream _stream;
    private bool _committed;

    private AtomicFile(string path, FileStream stream)
    {
        Path = path;
        _stream = stream;
    }

    /// <summary>The final path.</summary>
    public string Path { get; }

    /// <summary>The path written until commit.</summary>
    public string PartialPath => Path + ".partial";

    /// <summary>Bytes written so far.</summary>
    public long Length => _stream.Length;

    /// <summary>
    /// Creates "PATH.partial" (and PATH's directory). Fails with an <see cref="AgentException"/> naming the path when
    /// it cannot be written, so callers learn it before any decoding starts.
    /// </summary>
    public static AtomicFile Create(string path)
    {
        string full = System.IO.Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new AgentException($"{path}: is a directory, not an output file");
        }
        try
        {
            string? directory = System.IO.Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
            // No FileStream buffer: each row goes to the OS in one write as soon as it is formatted.
            var stream = new FileStream(full + ".partial", FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 0);
            return new AtomicFile(full, stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AgentException($"{path}: cannot write output ({e.Message})", e);
        }
    }

    /// <summary>Appends bytes.</summary>
    public void Write(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

    /// <summary>Flushes, closes and renames the partial file to the final path (replacing an older one).</summary>
    public void Commit()
    {
        if (_committed)
        {
            return;
        }
        _committed = true;
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(PartialPath, Path, overwrite: true);
    }

    /// <summary>Closes and deletes the partial file, for outputs of a run that never started.</summary>
    public void Discard()
    {
        _stream.Dispose();
        if (!_committed)
        {
            File.Delete(PartialPath);
        }
    }

    /// <summary>Closes without renaming when not committed; the partial file stays for inspection.</summary>
    public void Dispose() => _stream.Dispose();
}
