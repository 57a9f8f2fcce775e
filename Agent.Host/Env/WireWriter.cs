using System.Buffers.Binary;

namespace AgentRnn.Host.Env;

/// <summary>
/// Builds one framed message in a buffer that is reused across messages and grows only when a larger message
/// is written: <see cref="Begin"/>, the payload, then <see cref="Finish"/> fills in the header.
/// </summary>
internal sealed class WireWriter
{
    private byte[] _buffer;
    private int _length;

    /// <summary>Starts with <paramref name="capacity"/> bytes.</summary>
    public WireWriter(int capacity = 4096)
    {
        _buffer = new byte[Math.Max(capacity, EnvProtocol.HeaderSize)];
    }

    /// <summary>The finished message, header included.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>Bytes written so far, header included.</summary>
    public int Length => _length;

    /// <summary>Starts a message; the header is filled in by <see cref="Finish"/>.</summary>
    public void Begin() => _length = EnvProtocol.HeaderSize;

    /// <summary>Writes the header for the payload written since <see cref="Begin"/>.</summary>
    public void Finish(MessageType type)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer, (uint)(_length - 4));
        _buffer[4] = (byte)type;
    }

    /// <summary>Reserves <paramref name="count"/> bytes and returns them for the caller to fill.</summary>
    public Span<byte> Reserve(int count)
    {
        if (_buffer.Length - _length < count)
        {
            Array.Resize(ref _buffer, Math.Max(checked(_length + count), _buffer.Length * 2));
        }
        Span<byte> s = _buffer.AsSpan(_length, count);
        _length += count;
        return s;
    }

    /// <summary>Writes raw bytes.</summary>
    public void Bytes(ReadOnlySpan<byte> data) => data.CopyTo(Reserve(data.Length));

    /// <summary>Writes a u8.</summary>
    public void U8(byte value) => Reserve(1)[0] = value;

    /// <summary>Writes a little-endian u16.</summary>
    public void U16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);

    /// <summary>Writes a little-endian u32.</summary>
    public void U32(uint value) => BinaryPrimitives.WriteUInt32LittleEndian(Reserve(4), value);

    /// <summary>Writes a little-endian i64.</summary>
    public void I64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);

    /// <summary>Writes a little-endian f64.</summary>
    public void F64(double value) => BinaryPrimitives.WriteDoubleLittleEndian(Reserve(8), value);
}
