using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using AgentRnn.Core;
using AgentRnn.Core.Spaces;

namespace AgentRnn.Host.Env;

/// <summary>
/// A batch of one leaf space's elements as raw little-endian bytes: (Batch, *ElementShape) in <see cref="DType"/>.
/// Allocated once; rows are read and written in place through typed spans.
/// </summary>
public sealed class TensorBuffer
{
    private readonly byte[] _data;
    private readonly int[] _elementShape;

    /// <summary>Allocates a zeroed buffer of <paramref name="batch"/> elements of <paramref name="leaf"/>.</summary>
    public TensorBuffer(LeafSpace leaf, int batch)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        DType = leaf.DType;
        Batch = batch;
        _elementShape = leaf.Shape.ToArray();
        ElementBytes = leaf.ElementBytes;
        _data = new byte[checked(ElementBytes * batch)];
    }

    /// <summary>Element type.</summary>
    public DType DType { get; }

    /// <summary>Number of rows (envs).</summary>
    public int Batch { get; }

    /// <summary>Shape of one row.</summary>
    public ReadOnlySpan<int> ElementShape => _elementShape;

    /// <summary>Bytes per row.</summary>
    public int ElementBytes { get; }

    /// <summary>All rows' bytes, (Batch, *ElementShape) in C order.</summary>
    public Span<byte> Bytes => _data;

    /// <summary>The bytes of row <paramref name="row"/>.</summary>
    public Span<byte> RowBytes(int row) => _data.AsSpan(row * ElementBytes, ElementBytes);

    /// <summary>All rows as <typeparamref name="T"/>, which must match <see cref="DType"/>'s size.</summary>
    public Span<T> As<T>()
        where T : unmanaged
    {
        CheckSize<T>();
        return MemoryMarshal.Cast<byte, T>(_data.AsSpan());
    }

    /// <summary>Row <paramref name="row"/> as <typeparamref name="T"/>, which must match <see cref="DType"/>'s size.</summary>
    public Span<T> Row<T>(int row)
        where T : unmanaged
    {
        CheckSize<T>();
        return MemoryMarshal.Cast<byte, T>(RowBytes(row));
    }

    /// <summary>Element <paramref name="index"/> of row <paramref name="row"/> converted to float (any dtype; bool → 0/1).</summary>
    public float GetFloat(int row, int index)
    {
        ReadOnlySpan<byte> b = RowBytes(row);
        int size = DType.Size();
        ReadOnlySpan<byte> e = b.Slice(index * size, size);
        return DType switch
        {
            DType.UInt8 => e[0],
            DType.Int8 => (sbyte)e[0],
            DType.Bool => e[0] != 0 ? 1f : 0f,
            DType.UInt16 => MemoryMarshal.Read<ushort>(e),
            DType.Int16 => MemoryMarshal.Read<short>(e),
            DType.UInt32 => MemoryMarshal.Read<uint>(e),
            DType.Int32 => MemoryMarshal.Read<int>(e),
            DType.UInt64 => MemoryMarshal.Read<ulong>(e),
            DType.Int64 => MemoryMarshal.Read<long>(e),
            DType.Float16 => (float)MemoryMarshal.Read<Half>(e),
            DType.Float32 => MemoryMarshal.Read<float>(e),
            _ => (float)MemoryMarshal.Read<double>(e),
        };
    }

    /// <summary>Writes <paramref name="value"/> as element <paramref name="index"/> of row <paramref name="row"/>, converting to <see cref="DType"/>.</summary>
    public void SetFloat(int row, int index, double value)
    {
        int size = DType.Size();
        Span<byte> e = RowBytes(row).Slice(index * size, size);
        switch (DType)
        {
            case DType.UInt8: e[0] = (byte)value; break;
            case DType.Int8: e[0] = (byte)(sbyte)value; break;
            case DType.Bool: e[0] = value != 0 ? (byte)1 : (byte)0; break;
            case DType.UInt16: MemoryMarshal.Write(e, (ushort)value); break;
            case DType.Int16: MemoryMarshal.Write(e, (short)value); break;
            case DType.UInt32: MemoryMarshal.Write(e, (uint)value); break;
            case DType.Int32: MemoryMarshal.Write(e, (int)value); break;
            case DType.UInt64: MemoryMarshal.Write(e, (ulong)value); break;
            case DType.Int64: MemoryMarshal.Write(e, (long)value); break;
            case DType.Float16: MemoryMarshal.Write(e, (Half)value); break;
            case DType.Float32: MemoryMarshal.Write(e, (float)value); break;
            default: MemoryMarshal.Write(e, value); break;
        }
    }

    /// <summary>Element <paramref name="index"/> of row <paramref name="row"/> as an integer (integer and bool dtypes).</summary>
    public long GetInt64(int row, int index)
    {
        ReadOnlySpan<byte> e = RowBytes(row).Slice(index * DType.Size(), DType.Size());
        return DType switch
        {
            DType.UInt8 or DType.Bool => e[0],
            DType.Int8 => (sbyte)e[0],
            DType.UInt16 => MemoryMarshal.Read<ushort>(e),
            DType.Int16 => MemoryMarshal.Read<short>(e),
            DType.UInt32 => MemoryMarshal.Read<uint>(e),
            DType.Int32 => MemoryMarshal.Read<int>(e),
            DType.UInt64 => (long)MemoryMarshal.Read<ulong>(e),
            DType.Int64 => MemoryMarshal.Read<long>(e),
            _ => (long)GetFloat(row, index),
        };
    }

    /// <summary>Writes an integer element, converting to <see cref="DType"/>.</summary>
    public void SetInt64(int row, int index, long value)
    {
        if (DType is DType.Float16 or DType.Float32 or DType.Float64)
        {
            SetFloat(row, index, value);
            return;
        }
        Span<byte> e = RowBytes(row).Slice(index * DType.Size(), DType.Size());
        switch (DType.Size())
        {
            case 1: e[0] = (byte)value; break;
            case 2: MemoryMarshal.Write(e, (short)value); break;
            case 4: MemoryMarshal.Write(e, (int)value); break;
            default: MemoryMarshal.Write(e, value); break;
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{DType.Name()}{Tensor.FormatShape([Batch, .. _elementShape])}";

    private void CheckSize<T>()
        where T : unmanaged
    {
        if (Unsafe.SizeOf<T>() != DType.Size())
        {
            throw new InvalidOperationException($"a {DType.Name()} buffer cannot be viewed as {typeof(T).Name}");
        }
    }
}
