namespace AgentRnn.Core.Compute;

/// <summary>
/// A contiguous range of a <see cref="DeviceBuffer{T}"/>, in elements: the device-side counterpart of a span.
/// Kernels take views so one buffer can hold, for example, every time step of a sequence.
/// </summary>
/// <typeparam name="T">float, byte or int (row indices).</typeparam>
public readonly struct DeviceView<T>
    where T : unmanaged
{
    /// <summary>A view of <paramref name="length"/> elements from <paramref name="offset"/>; the range is checked.</summary>
    public DeviceView(DeviceBuffer<T> buffer, int offset, int length)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (offset < 0 || length < 0 || (long)offset + length > buffer.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"view [{offset}, {(long)offset + length}) is outside a device buffer of {buffer.Length} elements");
        }
        Buffer = buffer;
        Offset = offset;
        Length = length;
    }

    /// <summary>The buffer viewed.</summary>
    public DeviceBuffer<T> Buffer { get; }

    /// <summary>First element, counted from the buffer's start.</summary>
    public int Offset { get; }

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    /// <summary>True for the default (null) view, which kernels read as "absent" where an argument is optional.</summary>
    public bool IsEmpty => Buffer is null;

    /// <summary>A sub-range of this view.</summary>
    public DeviceView<T> Slice(int offset, int length)
    {
        if (offset < 0 || length < 0 || (long)offset + length > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"slice [{offset}, {(long)offset + length}) is outside a view of {Length} elements");
        }
        return new DeviceView<T>(Buffer, Offset + offset, length);
    }

    /// <summary>The whole buffer as a view.</summary>
    public static implicit operator DeviceView<T>(DeviceBuffer<T> buffer) => new(buffer, 0, buffer.Length);
}
