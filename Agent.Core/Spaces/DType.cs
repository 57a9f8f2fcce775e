namespace AgentRnn.Core.Spaces;

/// <summary>
/// Element types a space can hold, numbered as the env protocol's dtype codes (envs/PROTOCOL.md).
/// Names follow numpy ("uint8", "float32").
/// </summary>
public enum DType : byte
{
    /// <summary>numpy uint8.</summary>
    UInt8 = 1,

    /// <summary>numpy int8.</summary>
    Int8 = 2,

    /// <summary>numpy uint16.</summary>
    UInt16 = 3,

    /// <summary>numpy int16.</summary>
    Int16 = 4,

    /// <summary>numpy uint32.</summary>
    UInt32 = 5,

    /// <summary>numpy int32.</summary>
    Int32 = 6,

    /// <summary>numpy uint64.</summary>
    UInt64 = 7,

    /// <summary>numpy int64.</summary>
    Int64 = 8,

    /// <summary>numpy float16 (IEEE half).</summary>
    Float16 = 9,

    /// <summary>numpy float32.</summary>
    Float32 = 10,

    /// <summary>numpy float64.</summary>
    Float64 = 11,

    /// <summary>numpy bool (one byte, 0 or 1).</summary>
    Bool = 12,
}
