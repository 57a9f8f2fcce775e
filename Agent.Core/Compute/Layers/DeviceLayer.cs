namespace AgentRnn.Core.Compute;

/// <summary>
/// A layer created by a <see cref="ComputeDevice"/>: it owns its weights on that device (packed once, at creation,
/// into whatever form the device runs fastest) and, for recurrent layers, the per-slot state. Layers are children of
/// their device: disposing the device disposes every layer it created.
/// </summary>
/// <remarks>
/// Activations travel between layers as <see cref="DeviceView{T}"/>s of the same device. Thread-safety: as the
/// device, one thread at a time (layers share the device's scratch memory).
/// </remarks>
public abstract class DeviceLayer : IDisposable, ComputeDevice.IOwnedLayer
{
    private int _disposed;

    /// <summary>Creates the bookkeeping for a layer of <paramref name="device"/>.</summary>
    protected DeviceLayer(ComputeDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        Device = device;
    }

    /// <summary>The device that runs the layer and holds its weights.</summary>
    public ComputeDevice Device { get; }

    /// <summary>True once the layer or its device has been disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Releases the layer's weights and state; later use throws <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Device.ForgetLayer(this);
            ReleaseStaging();
            ReleaseCore();
        }
        GC.SuppressFinalize(this);
    }

    void ComputeDevice.IOwnedLayer.ReleaseFromDevice()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            ReleaseCore();
        }
    }

    /// <summary>Releases the buffers a layer keeps to upload host inputs (<see cref="ConvLayer"/>, <see cref="LinearLayer"/>), if any.</summary>
    private protected virtual void ReleaseStaging()
    {
    }

    /// <summary>Throws when the layer or its device has been disposed.</summary>
    protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    /// <summary>Checks that <paramref name="view"/> is a live view of this layer's device holding at least <paramref name="needed"/> elements.</summary>
    protected void Require<T>(DeviceView<T> view, string name, long needed)
        where T : unmanaged
    {
        ThrowIfDisposed();
        if (view.IsEmpty)
        {
            throw new ArgumentException($"{name} is empty; needs {needed} elements", name);
        }
        if (!ReferenceEquals(view.Buffer.Device, Device))
        {
            throw new ArgumentException($"{name} belongs to another device ({view.Buffer.Device.Name}), not {Device.Name}", name);
        }
        view.Buffer.ThrowIfDisposed();
        if (view.Length < needed)
        {
            throw new ArgumentException($"{name} holds {view.Length} elements, needs {needed}", name);
        }
    }

    /// <summary>Frees the device resources. Called once; must not throw.</summary>
    protected abstract void ReleaseCore();
}
