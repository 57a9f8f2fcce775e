using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace AgentRnn.Core.SafeTensors;

/// <summary>
/// Reads a safetensors file: an 8-byte little-endian header length, a JSON header, then raw
/// little-endian tensor data. The whole header is validated before any tensor data is touched:
/// header length against the file size (and a 100 MB cap), JSON syntax, known dtypes, byte length =
/// product(shape) × dtype size, offsets inside the data section and not overlapping.
/// Model files are data only: nothing in them is ever executed, and a tensor holding NaN or ±∞ is refused when read.
/// </summary>
/// <remarks>
/// Tensor data is read with positional reads, never through a memory mapping: a mapped file that another process
/// truncates kills the reader with SIGBUS, while a short positional read is one clear error ("the file ended at byte
/// N"). Every tensor is converted into a float array anyway, so a mapping saved nothing. Reads never move a shared file
/// position, so <see cref="ReadTensor(string)"/> may be called from several threads at once.
/// </remarks>
public sealed class SafeTensorsFile : IDisposable
{
    /// <summary>The largest header accepted (100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>Largest rank accepted in a header.</summary>
    public const int MaxRank = 8;

    // Elements converted per chunk when reading, so a stack of raw bytes never exceeds this.
    private const int ChunkElements = 1 << 14;

    private readonly SafeFileHandle _handle;
    private readonly long _dataStart;
    private readonly Dictionary<string, TensorInfo> _tensors;
    private readonly TensorInfo[] _ordered;
    private bool _disposed;

    private SafeTensorsFile(string path, SafeFileHandle handle, long fileLength, long dataStart, Dictionary<string, TensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        _handle = handle;
        _dataStart = dataStart;
        _tensors = tensors;
        _ordered = tensors.Values.OrderBy(t => t.Begin).ThenBy(t => t.Name, StringComparer.Ordinal).ToArray();
        Metadata = metadata;
        FileLength = fileLength;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The file's size in bytes when it was opened.</summary>
    public long FileLength { get; }

    /// <summary>The header's <c>__metadata__</c> string map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Every tensor, in the order of their data offsets.</summary>
    public IEnumerable<TensorInfo> Tensors => _ordered;

    /// <summary>Number of tensors.</summary>
    public int Count => _ordered.Length;

    /// <summary>Whether a tensor of this name is present.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>The header entry of a tensor; throws naming the file when it is missing.</summary>
    public TensorInfo Info(string name) =>
        _tensors.TryGetValue(name, out TensorInfo? info) ? info : throw new SafeTensorsException($"{Path}: tensor '{name}' is missing");

    /// <summary>Opens a file and validates its whole header.</summary>
    /// <exception cref="SafeTensorsException">The path is missing, a directory or unreadable, or the file is not valid safetensors (one line naming the path and what is wrong).</exception>
    public static SafeTensorsFile Open(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            throw new SafeTensorsException($"{path}: is a directory, not a safetensors file");
        }
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new SafeTensorsException($"{path}: cannot open: {e.Message}", e);
        }
        try
        {
            long fileLength = RandomAccess.GetLength(handle);
            (long dataStart, Dictionary<string, TensorInfo> tensors, Dictionary<string, string> metadata) = ReadHeader(path, handle, fileLength);
            return new SafeTensorsFile(path, handle, fileLength, dataStart, tensors, metadata);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Reads a tensor as float32 (F32, F16 and BF16 are converted) into a new tensor.</summary>
    public Tensor ReadTensor(string name)
    {
        TensorInfo info = Info(name);
        var result = new Tensor(info.Shape);
        ReadTensor(name, result.Span);
        return result;
    }

    /// <summary>
    /// Reads a tensor as float32 into <paramref name="destination"/>, which must hold exactly its element count.
    /// Allocates nothing.
    /// </summary>
    public void ReadTensor(string name, Span<float> destination)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        TensorInfo info = Info(name);
        if (destination.Length != info.ElementCount)
        {
            throw new ArgumentException($"{Path}: tensor '{name}' {info.ShapeString} has {info.ElementCount} elements, destination holds {destination.Length}", nameof(destination));
        }
        int size = info.DType switch
        {
            "F32" => 4,
            "F16" or "BF16" => 2,
            _ => throw new SafeTensorsException($"{Path}: tensor '{name}' has dtype {info.DType}, which cannot be read as float32 (F32, F16 and BF16 can)"),
        };
        byte[] raw = ArrayPool<byte>.Shared.Rent(ChunkElements * 4);
        try
        {
            long offset = _dataStart + info.Begin;
            for (int done = 0; done < destination.Length; done += ChunkElements)
            {
                int n = Math.Min(ChunkElements, destination.Length - done);
                ReadOnlySpan<byte> bytes = ReadBytes(offset + (long)done * size, n * size, raw);
                Span<float> chunk = destination.Slice(done, n);
                Convert(info.DType, bytes, chunk);
                RequireFinite(info, chunk, done);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    /// <summary>Bytes per element of a known dtype, or 0 for an unknown one.</summary>
    public static int DTypeSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" or "F8_E4M3" or "F8_E5M2" => 1,
        _ => 0,
    };

    // bytes is count·size little-endian elements of dtype; destination is count floats. Runs once per chunk of a
    // model's weights at load, serially before the first frame: compiled optimized at once rather than at tier 0.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Convert(string dtype, ReadOnlySpan<byte> bytes, Span<float> destination)
    {
        switch (dtype)
        {
            case "F32" when BitConverter.IsLittleEndian:
                MemoryMarshal.Cast<byte, float>(bytes[..(destination.Length * 4)]).CopyTo(destination);
                break;
            case "F32":
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.Slice(i * 4));
                }
                break;
            case "F16":
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.Slice(i * 2));
                }
                break;
            default:
                // BF16 is the upper half of a float32's bits.
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes.Slice(i * 2)) << 16);
                }
                break;
        }
    }

    // chunk holds elements [first, first + chunk.Length) of the tensor; a NaN or ±∞ is refused with its index.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RequireFinite(TensorInfo info, ReadOnlySpan<float> chunk, int first)
    {
        for (int i = 0; i < chunk.Length; i++)
        {
            if (!float.IsFinite(chunk[i]))
            {
                throw new SafeTensorsException($"{Path}: tensor '{info.Name}' {info.ShapeString} holds {(float.IsNaN(chunk[i]) ? "NaN" : chunk[i] > 0 ? "+Infinity" : "-Infinity")} at element {first + i}{Position(info.Shape, first + i)}; weights must be finite");
            }
        }
    }

    // " (index [a, b, c])" for a flat element index of a tensor of rank ≥ 2, else "".
    private static string Position(int[] shape, long flat)
    {
        if (shape.Length < 2)
        {
            return "";
        }
        var index = new long[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = shape[d] == 0 ? 0 : flat % shape[d];
            flat = shape[d] == 0 ? 0 : flat / shape[d];
        }
        return $" (index [{string.Join(", ", index)}])";
    }

    // Reads length bytes at an absolute file offset into scratch.
    private ReadOnlySpan<byte> ReadBytes(long fileOffset, int length, byte[] scratch)
    {
        Span<byte> target = scratch.AsSpan(0, length);
        int read = 0;
        while (read < length)
        {
            int n = RandomAccess.Read(_handle, target.Slice(read), fileOffset + read);
            if (n == 0)
            {
                throw new SafeTensorsException($"{Path}: file ended at byte {fileOffset + read} while reading tensor data (was it truncated after opening?)");
            }
            read += n;
        }
        return target;
    }

    private static (long, Dictionary<string, TensorInfo>, Dictionary<string, string>) ReadHeader(string path, SafeFileHandle handle, long fileLength)
    {
        if (fileLength < 8)
        {
            throw new SafeTensorsException($"{path}: not a safetensors file: {fileLength} bytes, shorter than the 8-byte header length");
        }
        Span<byte> lengthBytes = stackalloc byte[8];
        ReadExactly(path, handle, lengthBytes, 0);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        // A valid header length can start with a zip's or a pickle's bytes, so the file is named as one only once
        // its header has turned out not to be safetensors.
        if (headerLength > MaxHeaderBytes || headerLength > (ulong)(fileLength - 8))
        {
            RefuseCheckpoint(path, lengthBytes);
        }
        if (headerLength > MaxHeaderBytes)
        {
            throw new SafeTensorsException($"{path}: header length {headerLength} exceeds the {MaxHeaderBytes}-byte cap");
        }
        if (headerLength > (ulong)(fileLength - 8))
        {
            throw new SafeTensorsException($"{path}: header length {headerLength} is longer than the file ({fileLength} bytes)");
        }
        if (headerLength < 2)
        {
            throw new SafeTensorsException($"{path}: header length {headerLength} is too short for a JSON object");
        }
        byte[] header = new byte[headerLength];
        ReadExactly(path, handle, header, 8);
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;
        if (header[0] != (byte)'{')
        {
            RefuseCheckpoint(path, lengthBytes);
            throw new SafeTensorsException($"{path}: not a safetensors file: the header does not start with '{{' (byte 8 is 0x{header[0]:x2})");
        }
        if (!System.Text.Unicode.Utf8.IsValid(header))
        {
            throw new SafeTensorsException($"{path}: header is not valid UTF-8");
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new SafeTensorsException($"{path}: header is not valid JSON: {OneLine(e.Message)}", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new SafeTensorsException($"{path}: header is not a JSON object");
            }
            var tensors = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
            Dictionary<string, string>? metadata = null;
            foreach (JsonProperty prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    if (metadata is not null)
                    {
                        throw new SafeTensorsException($"{path}: __metadata__ appears twice in the header");
                    }
                    metadata = ReadMetadata(path, prop.Value);
                    continue;
                }
                if (tensors.ContainsKey(prop.Name))
                {
                    throw new SafeTensorsException($"{path}: tensor '{prop.Name}' appears twice in the header");
                }
                tensors.Add(prop.Name, ReadEntry(path, prop.Name, prop.Value, dataLength));
            }
            CheckNoOverlap(path, tensors.Values);
            return (dataStart, tensors, metadata ?? new Dictionary<string, string>(StringComparer.Ordinal));
        }
    }

    private static void ReadExactly(string path, SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        int read = 0;
        while (read < buffer.Length)
        {
            int n = RandomAccess.Read(handle, buffer.Slice(read), offset + read);
            if (n == 0)
            {
                throw new SafeTensorsException($"{path}: file ended at byte {offset + read} inside the header");
            }
            read += n;
        }
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ");

    private static Dictionary<string, string> ReadMetadata(string path, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new SafeTensorsException($"{path}: __metadata__ is not an object of strings");
        }
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty m in value.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String)
            {
                throw new SafeTensorsException($"{path}: __metadata__ entry '{m.Name}' is not a string");
            }
            if (!metadata.TryAdd(m.Name, m.Value.GetString()!))
            {
                throw new SafeTensorsException($"{path}: __metadata__ entry '{m.Name}' appears twice");
            }
        }
        return metadata;
    }

    private static TensorInfo ReadEntry(string path, string name, JsonElement entry, long dataLength)
    {
        string where = $"{path}: tensor '{name}'";
        if (entry.ValueKind != JsonValueKind.Object
            || !entry.TryGetProperty("dtype", out JsonElement dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String
            || !entry.TryGetProperty("shape", out JsonElement shapeEl) || shapeEl.ValueKind != JsonValueKind.Array
            || !entry.TryGetProperty("data_offsets", out JsonElement offEl) || offEl.ValueKind != JsonValueKind.Array)
        {
            throw new SafeTensorsException($"{where}: header entry needs dtype (string), shape (array) and data_offsets (array)");
        }
        string dtype = dtypeEl.GetString()!;
        int size = DTypeSize(dtype);
        if (size == 0)
        {
            throw new SafeTensorsException($"{where}: unknown dtype '{dtype}'");
        }
        int rank = shapeEl.GetArrayLength();
        if (rank > MaxRank)
        {
            throw new SafeTensorsException($"{where}: rank {rank} is more than {MaxRank}");
        }
        var shape = new int[rank];
        long elements = 1;
        int i = 0;
        foreach (JsonElement d in shapeEl.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out int dim) || dim < 0)
            {
                throw new SafeTensorsException($"{where}: shape has a dimension that is not a non-negative 32-bit integer");
            }
            shape[i++] = dim;
            elements *= dim;
            if (elements > Array.MaxLength)
            {
                throw new SafeTensorsException($"{where}: shape {Tensor.FormatShape(shape.AsSpan(0, i))}... has too many elements");
            }
        }
        if (offEl.GetArrayLength() != 2)
        {
            throw new SafeTensorsException($"{where}: data_offsets must be [begin, end]");
        }
        Span<long> off = stackalloc long[2];
        i = 0;
        foreach (JsonElement o in offEl.EnumerateArray())
        {
            if (o.ValueKind != JsonValueKind.Number || !o.TryGetInt64(out long v) || v < 0)
            {
                throw new SafeTensorsException($"{where}: data_offsets must be non-negative 64-bit integers");
            }
            off[i++] = v;
        }
        if (off[1] < off[0] || off[1] > dataLength)
        {
            throw new SafeTensorsException($"{where}: data_offsets [{off[0]}, {off[1]}] fall outside the {dataLength}-byte data section (truncated file?)");
        }
        if (off[1] - off[0] != elements * size)
        {
            throw new SafeTensorsException($"{where}: shape {Tensor.FormatShape(shape)} of {dtype} needs {elements * size} bytes but data_offsets [{off[0]}, {off[1]}] span {off[1] - off[0]}");
        }
        return new TensorInfo(name, dtype, shape, off[0], off[1]);
    }

    private static void CheckNoOverlap(string path, IEnumerable<TensorInfo> tensors)
    {
        TensorInfo? previous = null;
        foreach (TensorInfo t in tensors.Where(t => t.End > t.Begin).OrderBy(t => t.Begin))
        {
            if (previous is not null && t.Begin < previous.End)
            {
                throw new SafeTensorsException($"{path}: tensors '{previous.Name}' [{previous.Begin}, {previous.End}] and '{t.Name}' [{t.Begin}, {t.End}] overlap in the data section");
            }
            previous = t;
        }
    }

    // Throws the conversion hint when the first bytes say the file is a PyTorch or SB3 checkpoint; returns otherwise.
    private static void RefuseCheckpoint(string path, ReadOnlySpan<byte> first)
    {
        if (NotSafeTensors(first) is { } what)
        {
            throw new SafeTensorsException($"{path}: {what}, not safetensors; convert a trusted checkpoint with `{ConvertCommand(path)}` " +
                "from the AgentRnn checkout (AgentRnn never unpickles)");
        }
    }

    /// <summary>
    /// The exact command that converts <paramref name="path"/> to a .safetensors file beside it (same name), each path
    /// quoted for a POSIX shell where it needs it.
    /// </summary>
    internal static string ConvertCommand(string path)
    {
        string output = System.IO.Path.ChangeExtension(path, ".safetensors");
        return $"python3 tools/reference/convert_state_dict.py {ShellQuote(path)} {ShellQuote(output)}";
    }

    private static string ShellQuote(string text) =>
        text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '/' or '.' or '_' or '-' or '+' or ':' or ',' or '@' or '%')
            ? text
            : "'" + text.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    // What the first bytes say a non-safetensors model file is: a zip archive (torch.save since PyTorch 1.6, SB3's .zip)
    // or a bare pickle (older torch.save); null otherwise.
    private static string? NotSafeTensors(ReadOnlySpan<byte> first) =>
        first.StartsWith("PK\u0003\u0004"u8) ? "a zip archive (a PyTorch .pt/.pth or an SB3 .zip)"
        : first[0] == 0x80 && first[1] is >= 2 and <= 5 ? "a Python pickle (an old-style PyTorch .pt/.pth)"
        : null;

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _handle.Dispose();
    }
}
