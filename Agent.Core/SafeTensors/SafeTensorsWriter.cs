using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace AgentRnn.Core.SafeTensors;

/// <summary>
/// Writes float32 tensors as a safetensors file, atomically: the bytes go to a temporary file in the same
/// folder, which is flushed and then renamed over <c>path</c>, so readers see the old file or the whole new one.
/// </summary>
public static class SafeTensorsWriter
{
    /// <summary>Writes <paramref name="tensors"/> as F32, in the given order, with optional <c>__metadata__</c>.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Write(path, tensors, metadata, "F32");

    /// <summary>
    /// Writes <paramref name="tensors"/> stored as <paramref name="dtype"/> ("F32", "F16" or "BF16"; the narrow
    /// types round to nearest even), in the given order, with optional <c>__metadata__</c>.
    /// </summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata, string dtype)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        int size = dtype switch
        {
            "F32" => 4,
            "F16" or "BF16" => 2,
            _ => throw new ArgumentException($"cannot write dtype '{dtype}' (F32, F16 and BF16 can be written)", nameof(dtype)),
        };
        var list = tensors.ToList();
        byte[] header = BuildHeader(list, metadata, dtype, size);
        int padded = (header.Length + 7) / 8 * 8;

        string full = System.IO.Path.GetFullPath(path);
        string tmp = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(full)!, $".{System.IO.Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Span<byte> len = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
                fs.Write(len);
                fs.Write(header);
                for (int i = header.Length; i < padded; i++)
                {
                    fs.WriteByte((byte)' ');
                }
                byte[] buffer = new byte[1 << 16];
                foreach ((_, Tensor t) in list)
                {
                    ReadOnlySpan<float> data = t.Data;
                    while (!data.IsEmpty)
                    {
                        int n = Math.Min(data.Length, buffer.Length / size);
                        Encode(dtype, data.Slice(0, n), buffer);
                        fs.Write(buffer, 0, n * size);
                        data = data.Slice(n);
                    }
                }
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }

    /// <summary>float32 → bfloat16 bits, rounding to nearest even as PyTorch does; NaN stays NaN.</summary>
    public static ushort ToBFloat16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        if (float.IsNaN(value))
        {
            return (ushort)((bits >> 16) | 0x40);
        }
        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }

    // values is n floats; destination receives n·size little-endian bytes.
    private static void Encode(string dtype, ReadOnlySpan<float> values, Span<byte> destination)
    {
        switch (dtype)
        {
            case "F32":
                for (int i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(destination.Slice(i * 4), values[i]);
                }
                break;
            case "F16":
                for (int i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteHalfLittleEndian(destination.Slice(i * 2), (Half)values[i]);
                }
                break;
            default:
                for (int i = 0; i < values.Length; i++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(destination.Slice(i * 2), ToBFloat16(values[i]));
                }
                break;
        }
    }

    private static byte[] BuildHeader(List<KeyValuePair<string, Tensor>> list, IReadOnlyDictionary<string, string>? metadata, string dtype, int size)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var stream = new MemoryStream();
        // Relaxed escaping keeps metadata JSON (quotes, '+', '<') readable to other tools; it is still valid JSON.
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach ((string key, string value) in metadata)
                {
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach ((string name, Tensor t) in list)
            {
                if (name == "__metadata__" || !names.Add(name))
                {
                    throw new ArgumentException($"tensor name '{name}' is reserved or used twice", nameof(list));
                }
                long bytes = (long)t.Length * size;
                json.WriteStartObject(name);
                json.WriteString("dtype", dtype);
                json.WriteStartArray("shape");
                foreach (int d in t.Shape)
                {
                    json.WriteNumberValue(d);
                }
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        return stream.ToArray();
    }
}
