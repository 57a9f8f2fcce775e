namespace AgentRnn.Core.Compute.Cpu;

/// <summary>A device buffer in host memory: a managed array owned by a <see cref="CpuDevice"/>.</summary>
/// <typeparam name="T">float, byte or int (row indices).</typeparam>
public sealed class CpuBuffer<T> : DeviceBuffer<T>
    where T : unmanaged
{
    private T[] _data;

    internal CpuBuffer(CpuDevice device, int length)
        : base(device, length)
    {
        _data = new T[length];
    }

    /// <summary>
    /// Bumped on every write so layers cached from this buffer's contents (the CPU convolution copies its weight)
    /// know to rebuild.
    /// </summary>
    internal int Version { get; private set; }

    /// <summary>The elements of a view, for the CPU kernels.</summary>
    internal Span<T> Span(DeviceView<T> view)
    {
        ThrowIfDisposed();
        return _data.AsSpan(view.Offset, view.Length);
    }

    /// <summary>Marks the contents as changed by a kernel.</summary>
    internal void Touch() => Version++;

    /// <inheritdoc/>
    protected override void WriteCore(ReadOnlySpan<T> source, int offset)
    {
        source.CopyTo(_data.AsSpan(offset));
        Version++;
    }

    /// <inheritdoc/>
    protected override void ReadCore(Span<T> destination, int offset) => _data.AsSpan(offset, destination.Length).CopyTo(destination);

    /// <inheritdoc/>
    protected override void ReleaseCore() => _data = [];
}
