using System.Buffers.Binary;
using System.Text;

namespace AgentRnn.Tests.Core.SafeTensors;

/// <summary>Builds raw safetensors files byte by byte, so tests can write exactly the malformed file they need.</summary>
internal static class SafeTensorsBytes
{
    /// <summary>8-byte little-endian length, the header text as UTF-8, then the data bytes.</summary>
    public static byte[] Build(string header, ReadOnlySpan<byte> data, ulong? declaredLength = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, declaredLength ?? (ulong)json.Length);
        json.CopyTo(file, 8);
        data.CopyTo(file.AsSpan(8 + json.Length));
        return file;
    }

    /// <summary>Little-endian float32 bytes.</summary>
    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }
        return bytes;
    }

    /// <summary>Little-endian 16-bit words.</summary>
    public static byte[] Words(params ushort[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), values[i]);
        }
        return bytes;
    }

    /// <summary>Returns <paramref name="bytes"/> with one byte replaced.</summary>
    public static byte[] Patch(byte[] bytes, int index, byte value)
    {
        bytes[index] = value;
        return bytes;
    }
}
