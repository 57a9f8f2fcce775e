namespace AgentRnn.Core.Compute;

/// <summary>
/// Memory on a <see cref="ComputeDevice"/>: a fixed number of float, byte or int elements. A buffer belongs to the
/// device that allocated it, may be passed only to that device's kernels, and is released when it is disposed
/// or when its device is disposed, whichever comes first.
/// </summary>
/// <remarks>
/// Thread-safety: as its device — one thread at a time. Reads and writes are ordered with the device's kernels:
/// a read returns the result of every kernel enqueued before it.
/// </remarks>
/// <typeparam name="T">float, byte or int (row indices).</typeparam>
public abstract class DeviceBuffer<T> : IDisposable, ComputeDevice.IOwnedBuffer
    where T : unmanaged
{
    private int _disposed;

    /// <summary>Creates the bookkeeping for a buffer of <paramref name="length"/> elements on <paramref name="device"/>.</summary>
    protected DeviceBuffer(ComputeDevice device, int length)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Device = device;
        Length = length;
    }

    /// <summary>The device that owns the buffer.</summary>
    public ComputeDevice Device { get; }

    /// <summary>Number of elements.</summary>
    public int Length { get; }

    /// <summary>True once the buffer or its device has been disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>A view of <paramref name="length"/> elements from <paramref name="offset"/>.</summary>
    public DeviceView<T> Slice(int offset, int length) => new(this, offset, length);

    /// <summary>Copies <paramref name="source"/> into the buffer from element <paramref name="offset"/>.</summary>
    public void Write(ReadOnlySpan<T> source, int offset = 0)
    {
        CheckRange(offset, source.Length);
        WriteCore(source, offset);
    }

    /// <summary>Copies elements from <paramref name="offset"/> into <paramref name="destination"/>, after every kernel enqueued so far.</summary>
    public void Read(Span<T> destination, int offset = 0)
    {
        CheckRange(offset, destination.Length);
        ReadCore(destination, offset);
    }

    /// <summary>Reads the whole buffer into a new array (for tests and diagnostics, not hot paths).</summary>
    public T[] ToArray()
    {
        var result = new T[Length];
        Read(result);
        return result;
    }

    /// <summary>Releases the device memory; later use throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Device.Forget(this);
            ReleaseCore();
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>Throws when the buffer or its device has been disposed.</summary>
    protected internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    /// <summary>Called by the owning device when it is disposed; releases the memory without calling back.</summary>
    void ComputeDevice.IOwnedBuffer.ReleaseFromDevice()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            ReleaseCore();
        }
    }

    /// <summary>Copies source to elements [offset, offset + source.Length); the range is already checked.</summary>
    protected abstract void WriteCore(ReadOnlySpan<T> source, int offset);

    /// <summary>Copies elements [offset, offset + destination.Length) out; the range is already checked.</summary>
    protected abstract void ReadCore(Span<T> destination, int offset);

    /// <summary>Frees the device memory. Called once; must not throw.</summary>
    protected abstract void ReleaseCore();

    private void CheckRange(int offset, int count)
    {
        ThrowIfDisposed();
        if (offset < 0 || (long)offset + count > Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"range [{offset}, {(long)offset + count}) is outside a device buffer of {Length} elements");
        }
    }
}
