namespace AgentRnn.Core.Spaces;

/// <summary>Sizes, names and checks for <see cref="DType"/>.</summary>
public static class DTypes
{
    /// <summary>Whether <paramref name="code"/> is a defined dtype code.</summary>
    public static bool IsDefined(byte code) => code >= (byte)DType.UInt8 && code <= (byte)DType.Bool;

    /// <summary>Bytes per element.</summary>
    public static int Size(this DType dtype) => dtype switch
    {
        DType.UInt8 or DType.Int8 or DType.Bool => 1,
        DType.UInt16 or DType.Int16 or DType.Float16 => 2,
        DType.UInt32 or DType.Int32 or DType.Float32 => 4,
        DType.UInt64 or DType.Int64 or DType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>Whether the dtype is an integer type (bool excluded).</summary>
    public static bool IsInteger(this DType dtype) => dtype is DType.UInt8 or DType.Int8 or DType.UInt16 or DType.Int16
        or DType.UInt32 or DType.Int32 or DType.UInt64 or DType.Int64;

    /// <summary>numpy's name for the dtype ("uint8", "float32", ...).</summary>
    public static string Name(this DType dtype) => dtype switch
    {
        DType.UInt8 => "uint8",
        DType.Int8 => "int8",
        DType.UInt16 => "uint16",
        DType.Int16 => "int16",
        DType.UInt32 => "uint32",
        DType.Int32 => "int32",
        DType.UInt64 => "uint64",
        DType.Int64 => "int64",
        DType.Float16 => "float16",
        DType.Float32 => "float32",
        DType.Float64 => "float64",
        DType.Bool => "bool",
        _ => $"dtype({(byte)dtype})",
    };
}
