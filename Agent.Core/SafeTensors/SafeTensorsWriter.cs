using System.Buffers.Binary;
using System.Text.Json;

namespace Agent.Core.SafeTensors;

/// <summary>Writes float32 tensors as a safetensors file, atomically (temporary file, then rename).</summary>
public static class SafeTensorsWriter
{
    /// <summary>Writes <paramref name="tensors"/> (F32) with optional <c>__metadata__</c>.</summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var header = new Dictionary<string, object>(StringComparer.Ordinal);
        if (metadata is { Count: > 0 })
        {
            header["__metadata__"] = metadata;
        }
        long offset = 0;
        foreach ((string name, Tensor t) in list)
        {
            long bytes = (long)t.Length * 4;
            header[name] = new Dictionary<string, object>
            {
                ["dtype"] = "F32",
                ["shape"] = t.Shape.ToArray(),
                ["data_offsets"] = new[] { offset, offset + bytes },
            };
            offset += bytes;
        }
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(header);
        int padded = (json.Length + 7) / 8 * 8;

        string tmp = path + ".tmp-" + Environment.ProcessId;
        try
        {
            using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
            {
                Span<byte> len = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
                fs.Write(len);
                fs.Write(json);
                for (int i = json.Length; i < padded; i++)
                {
                    fs.WriteByte((byte)' ');
                }
                byte[] buffer = new byte[1 << 16];
                foreach ((_, Tensor t) in list)
                {
                    ReadOnlySpan<float> data = t.Data;
                    while (!data.IsEmpty)
                    {
                        int n = Math.Min(data.Length, buffer.Length / 4);
                        for (int i = 0; i < n; i++)
                        {
                            BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * 4), data[i]);
                        }
                        fs.Write(buffer, 0, n * 4);
                        data = data.Slice(n);
                    }
                }
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch
        {
            File.Delete(tmp);
            throw;
        }
    }
}
