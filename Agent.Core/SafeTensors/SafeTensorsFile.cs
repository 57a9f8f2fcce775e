using System.Buffers.Binary;
using System.Text.Json;

namespace Agent.Core.SafeTensors;

/// <summary>
/// Reads a safetensors file: an 8-byte little-endian header length, a JSON header, then raw
/// little-endian tensor data. The whole header is validated before any tensor data is touched.
/// Model files are data only: nothing in them is ever executed.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    /// <summary>The largest header accepted (100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private readonly FileStream _stream;
    private readonly long _dataStart;
    private readonly Dictionary<string, TensorInfo> _tensors;

    private SafeTensorsFile(string path, FileStream stream, long dataStart, Dictionary<string, TensorInfo> tensors, Dictionary<string, string> metadata)
    {
        Path = path;
        _stream = stream;
        _dataStart = dataStart;
        _tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>The header's <c>__metadata__</c> string map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Every tensor, in the order of their data offsets.</summary>
    public IEnumerable<TensorInfo> Tensors => _tensors.Values.OrderBy(t => t.Begin);

    /// <summary>Whether a tensor of this name is present.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>The header entry of a tensor; throws naming the file when it is missing.</summary>
    public TensorInfo Info(string name) =>
        _tensors.TryGetValue(name, out TensorInfo? info) ? info : throw new SafeTensorsException($"{Path}: tensor '{name}' is missing");

    /// <summary>Opens and validates a file.</summary>
    public static SafeTensorsFile Open(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SafeTensorsException($"{path}: cannot open: {e.Message}", e);
        }
        try
        {
            (long dataStart, Dictionary<string, TensorInfo> tensors, Dictionary<string, string> metadata) = ReadHeader(path, stream);
            return new SafeTensorsFile(path, stream, dataStart, tensors, metadata);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads a tensor as float32 (F32, F16 and BF16 are converted).</summary>
    public Tensor ReadTensor(string name)
    {
        TensorInfo info = Info(name);
        int count = checked((int)info.ElementCount);
        var result = new float[count];
        int byteLength = checked((int)(info.End - info.Begin));
        byte[] raw = new byte[byteLength];
        _stream.Position = _dataStart + info.Begin;
        _stream.ReadExactly(raw);
        switch (info.DType)
        {
            case "F32":
                for (int i = 0; i < count; i++)
                {
                    result[i] = BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(i * 4));
                }
                break;
            case "F16":
                for (int i = 0; i < count; i++)
                {
                    result[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(raw.AsSpan(i * 2));
                }
                break;
            case "BF16":
                for (int i = 0; i < count; i++)
                {
                    result[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(i * 2)) << 16);
                }
                break;
            default:
                throw new SafeTensorsException($"{Path}: tensor '{name}' has dtype {info.DType}, which cannot be read as float32");
        }
        return new Tensor(result, info.Shape);
    }

    /// <summary>Bytes per element of a known dtype, or 0 for an unknown one.</summary>
    public static int DTypeSize(string dtype) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" => 1,
        _ => 0,
    };

    private static (long, Dictionary<string, TensorInfo>, Dictionary<string, string>) ReadHeader(string path, FileStream stream)
    {
        long fileLength = stream.Length;
        if (fileLength < 8)
        {
            throw new SafeTensorsException($"{path}: not a safetensors file: {fileLength} bytes, shorter than the 8-byte header length");
        }
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > MaxHeaderBytes)
        {
            throw new SafeTensorsException($"{path}: header length {headerLength} exceeds the {MaxHeaderBytes}-byte cap");
        }
        if (headerLength > (ulong)(fileLength - 8))
        {
            throw new SafeTensorsException($"{path}: header length {headerLength} is longer than the file ({fileLength} bytes)");
        }
        byte[] header = new byte[headerLength];
        stream.ReadExactly(header);
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new SafeTensorsException($"{path}: header is not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new SafeTensorsException($"{path}: header is not a JSON object");
            }
            var tensors = new Dictionary<string, TensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    ReadMetadata(path, prop.Value, metadata);
                    continue;
                }
                if (tensors.ContainsKey(prop.Name))
                {
                    throw new SafeTensorsException($"{path}: tensor '{prop.Name}' appears twice in the header");
                }
                tensors.Add(prop.Name, ReadEntry(path, prop.Name, prop.Value, dataLength));
            }
            CheckNoOverlap(path, tensors.Values);
            return (dataStart, tensors, metadata);
        }
    }

    private static void ReadMetadata(string path, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new SafeTensorsException($"{path}: __metadata__ is not an object of strings");
        }
        foreach (JsonProperty m in value.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String)
            {
                throw new SafeTensorsException($"{path}: __metadata__ entry '{m.Name}' is not a string");
            }
            metadata[m.Name] = m.Value.GetString()!;
        }
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
        if (shapeEl.GetArrayLength() > 8)
        {
            throw new SafeTensorsException($"{where}: rank {shapeEl.GetArrayLength()} is more than 8");
        }
        var shape = new int[shapeEl.GetArrayLength()];
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
                throw new SafeTensorsException($"{where}: shape {Tensor.FormatShape(shape)} has too many elements");
            }
        }
        if (offEl.GetArrayLength() != 2)
        {
            throw new SafeTensorsException($"{where}: data_offsets must be [begin, end]");
        }
        long[] off = new long[2];
        i = 0;
        foreach (JsonElement o in offEl.EnumerateArray())
        {
            if (o.ValueKind != JsonValueKind.Number || !o.TryGetInt64(out off[i]) || off[i] < 0)
            {
                throw new SafeTensorsException($"{where}: data_offsets must be non-negative integers");
            }
            i++;
        }
        if (off[1] < off[0] || off[1] > dataLength)
        {
            throw new SafeTensorsException($"{where}: data_offsets [{off[0]}, {off[1]}] fall outside the {dataLength}-byte data section");
        }
        if (off[1] - off[0] != elements * size)
        {
            throw new SafeTensorsException($"{where}: shape {Tensor.FormatShape(shape)} of {dtype} needs {elements * size} bytes but data_offsets span {off[1] - off[0]}");
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
                throw new SafeTensorsException($"{path}: tensors '{previous.Name}' and '{t.Name}' overlap in the data section");
            }
            previous = t;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();
}
