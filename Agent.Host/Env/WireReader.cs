using System.Buffers.Binary;

namespace AgentRnn.Host.Env;

/// <summary>
/// Bounds-checked little-endian reads over one message's payload. Every failure is an
/// <see cref="EnvProtocolException"/> naming the field and its byte offset within the whole message.
/// </summary>
internal ref struct WireReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private readonly int _base;

    /// <summary>payload is the message after its header; offsets in errors count the header too.</summary>
    public WireReader(ReadOnlySpan<byte> payload, int baseOffset = EnvProtocol.HeaderSize)
    {
        _buffer = payload;
        _base = baseOffset;
        Position = 0;
    }

    /// <summary>Bytes consumed so far.</summary>
    public int Position { get; private set; }

    /// <summary>Bytes left.</summary>
    public readonly int Remaining => _buffer.Length - Position;

    /// <summary>Throws a protocol error about <paramref name="what"/> at the current offset (minus <paramref name="back"/>).</summary>
    public readonly EnvProtocolException Fail(string what, int back = 0, EnvErrorCode code = EnvErrorCode.Malformed) =>
        new($"{what} at byte {_base + Position - back}", code);

    /// <summary>Checks that <paramref name="count"/> bytes are left.</summary>
    public readonly void Need(long count, string what)
    {
        if (count < 0 || count > Remaining)
        {
            throw Fail($"{what}: needs {count} bytes, {Remaining} left");
        }
    }

    /// <summary>Reads <paramref name="count"/> raw bytes.</summary>
    public ReadOnlySpan<byte> Bytes(long count, string what)
    {
        Need(count, what);
        ReadOnlySpan<byte> s = _buffer.Slice(Position, (int)count);
        Position += (int)count;
        return s;
    }

    /// <summary>Reads a u8.</summary>
    public byte U8(string what) => Bytes(1, what)[0];

    /// <summary>Reads a little-endian u16.</summary>
    public ushort U16(string what) => BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2, what));

    /// <summary>Reads a little-endian u32.</summary>
    public uint U32(string what) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4, what));

    /// <summary>Reads a little-endian i64.</summary>
    public long I64(string what) => BinaryPrimitives.ReadInt64LittleEndian(Bytes(8, what));

    /// <summary>Reads a little-endian f64.</summary>
    public double F64(string what) => BinaryPrimitives.ReadDoubleLittleEndian(Bytes(8, what));

    /// <summary>Checks that the payload was consumed exactly.</summary>
    public readonly void End(string what)
    {
        if (Remaining != 0)
        {
            throw Fail($"{Remaining} trailing bytes after {what}");
        }
    }
}
