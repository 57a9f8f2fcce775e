namespace AgentRnn.Core.Compute;

/// <summary>
/// A device that holds buffers and runs the model's kernels on them: GEMM, 2-D convolution and the LSTM/GRU
/// recurrence. Float32, row-major, PyTorch semantics. Each backend (Cpu/, OpenCl/) implements the protected
/// *Core methods; argument checks live here, once, so every backend sees only valid calls.
/// </summary>
/// <remarks>
/// Kernels are enqueued in order and may run asynchronously; <see cref="DeviceBuffer{T}.Read"/> and
/// <see cref="Synchronize"/> wait for them. Buffers are children of the device: disposing the device releases
/// every buffer it allocated. Thread-safety: one thread at a time uses a device and its buffers.
/// </remarks>
public abstract partial class ComputeDevice : IDisposable
{
    private readonly HashSet<IOwnedBuffer> _buffers = new(ReferenceEqualityComparer.Instance);
    private readonly Lock _gate = new();
    private bool _disposed;

    /// <summary>Which backend this is.</summary>
    public abstract ComputeBackendKind Kind { get; }

    /// <summary>Human-readable device name (e.g. "cpu" or the OpenCL device name).</summary>
    public abstract string Name { get; }

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>Number of live buffers the device owns.</summary>
    public int BufferCount
    {
        get
        {
            lock (_gate)
            {
                return _buffers.Count;
            }
        }
    }

    /// <summary>Allocates a zero-filled buffer of <paramref name="length"/> elements (T is float, byte or int).</summary>
    public DeviceBuffer<T> Allocate<T>(int length)
        where T : unmanaged
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (typeof(T) != typeof(float) && typeof(T) != typeof(byte) && typeof(T) != typeof(int))
        {
            throw new NotSupportedException($"device buffers hold float, byte or int, not {typeof(T).Name}");
        }
        DeviceBuffer<T> buffer = AllocateCore<T>(length);
        lock (_gate)
        {
            _buffers.Add((IOwnedBuffer)buffer);
        }
        return buffer;
    }

    /// <summary>Allocates a buffer holding a copy of <paramref name="data"/>.</summary>
    public DeviceBuffer<T> Upload<T>(ReadOnlySpan<T> data)
        where T : unmanaged
    {
        DeviceBuffer<T> buffer = Allocate<T>(data.Length);
        buffer.Write(data);
        return buffer;
    }

    /// <summary>Waits until every enqueued kernel and copy has finished.</summary>
    public void Synchronize()
    {
        ThrowIfDisposed();
        SynchronizeCore();
    }

    /// <summary>Releases every buffer the device owns, then the device itself. Safe to call twice.</summary>
    public void Dispose()
    {
        IOwnedBuffer[] owned;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            owned = [.. _buffers];
            _buffers.Clear();
        }
        foreach (IOwnedBuffer buffer in owned)
        {
            buffer.ReleaseFromDevice();
        }
        DisposeCore();
        GC.SuppressFinalize(this);
    }

    /// <summary>Throws when the device has been disposed.</summary>
    protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>Allocates a zero-filled buffer; T is float, byte or int, the device is live.</summary>
    protected abstract DeviceBuffer<T> AllocateCore<T>(int length)
        where T : unmanaged;

    /// <summary>Waits for the queue to drain.</summary>
    protected abstract void SynchronizeCore();

    /// <summary>Releases the device's own resources after its buffers. Must not throw.</summary>
    protected abstract void DisposeCore();

    internal void Forget<T>(DeviceBuffer<T> buffer)
        where T : unmanaged
    {
        lock (_gate)
        {
            _buffers.Remove((IOwnedBuffer)buffer);
        }
    }

    /// <summary>Lets the device release a buffer without the buffer calling back into the device.</summary>
    internal interface IOwnedBuffer
    {
        void ReleaseFromDevice();
    }
}
