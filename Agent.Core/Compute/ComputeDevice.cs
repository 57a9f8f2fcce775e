namespace AgentRnn.Core.Compute;

/// <summary>
/// A device that holds buffers and creates the layers a policy network is made of: convolutions, linear layers,
/// recurrent layers that own per-slot state, and max pooling (<see cref="CreateConv"/>, <see cref="CreateLinear"/>,
/// <see cref="CreateRecurrent"/>, <see cref="CreateMaxPool2d"/>). Float32, PyTorch semantics. Each device (the CPU
/// over AgentRnn.Core.Kernels; accelerators) implements the protected *Core methods and the layer classes;
/// argument checks live in the abstract classes, once, so every device sees only valid calls.
/// </summary>
/// <remarks>
/// Work is enqueued in order and may run asynchronously; <see cref="DeviceBuffer{T}.Read"/> and
/// <see cref="Synchronize"/> wait for it. Buffers and layers are children of the device: disposing the device
/// releases every buffer and layer it created. Thread-safety: one thread at a time uses a device, its buffers and its
/// layers (they share the device's scratch memory); two devices may run concurrently.
/// </remarks>
public abstract partial class ComputeDevice : IDisposable
{
    private readonly HashSet<IOwnedBuffer> _buffers = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<IOwnedLayer> _layers = new(ReferenceEqualityComparer.Instance);
    private readonly Lock _gate = new();
    private bool _disposed;

    /// <summary>Which backend this is.</summary>
    public abstract ComputeBackendKind Kind { get; }

    /// <summary>Human-readable device name (e.g. "cpu" or the OpenCL device name).</summary>
    public abstract string Name { get; }

    /// <summary>The device's number among the devices of its kind (0 for the CPU).</summary>
    public virtual int Index => 0;

    /// <summary>Memory the device can hold, in bytes (for the CPU, the memory available to the process).</summary>
    public abstract long MemoryBytes { get; }

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

    /// <summary>Number of live layers the device owns.</summary>
    public int LayerCount
    {
        get
        {
            lock (_gate)
            {
                return _layers.Count;
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

    /// <summary>
    /// Makes <paramref name="buffer"/> hold at least <paramref name="length"/> elements: kept when it already does,
    /// otherwise disposed and replaced by a zero-filled one (contents are not carried over). For activations and upload
    /// buffers grown once to the largest batch, so steady steps allocate nothing.
    /// </summary>
    public DeviceBuffer<T> Grow<T>(ref DeviceBuffer<T>? buffer, int length)
        where T : unmanaged
    {
        if (buffer is not null && !ReferenceEquals(buffer.Device, this))
        {
            throw new ArgumentException($"the buffer belongs to another device ({buffer.Device.Name}), not {Name}", nameof(buffer));
        }
        if (buffer is null || buffer.IsDisposed || buffer.Length < length)
        {
            buffer?.Dispose();
            buffer = Allocate<T>(length);
        }
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
        IOwnedLayer[] layers;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            owned = [.. _buffers];
            _buffers.Clear();
            layers = [.. _layers];
            _layers.Clear();
        }
        foreach (IOwnedLayer layer in layers)
        {
            layer.ReleaseFromDevice();
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

    internal void ForgetLayer(DeviceLayer layer)
    {
        lock (_gate)
        {
            _layers.Remove(layer);
        }
    }

    /// <summary>Registers a layer a *Core factory created, so disposing the device disposes it.</summary>
    private TLayer Own<TLayer>(TLayer layer)
        where TLayer : DeviceLayer
    {
        lock (_gate)
        {
            _layers.Add(layer);
        }
        return layer;
    }

    /// <summary>Lets the device release a layer without the layer calling back into the device.</summary>
    internal interface IOwnedLayer
    {
        void ReleaseFromDevice();
    }

    /// <summary>Lets the device release a buffer without the buffer calling back into the device.</summary>
    internal interface IOwnedBuffer
    {
        void ReleaseFromDevice();
    }
}
