using AgentRnn.Core.Compute.OpenCl.Interop;

namespace AgentRnn.Core.Compute.OpenCl;

/// <summary>A device buffer in OpenCL global memory (a cl_mem owned by a SafeHandle), owned by an <see cref="OpenClDevice"/>.</summary>
/// <typeparam name="T">float, byte or int (row indices).</typeparam>
public sealed unsafe class OpenClBuffer<T> : DeviceBuffer<T>
    where T : unmanaged
{
    private readonly OpenClDevice _device;

    internal OpenClBuffer(OpenClDevice device, OpenClMemHandle memory, int length)
        : base(device, length)
    {
        _device = device;
        Memory = memory;
    }

    /// <summary>The cl_mem.</summary>
    internal OpenClMemHandle Memory { get; }

    /// <inheritdoc/>
    protected override void WriteCore(ReadOnlySpan<T> source, int offset)
    {
        if (source.IsEmpty)
        {
            return;
        }
        // Blocking: the span is only pinned for this call, so the copy must be done when it returns.
        fixed (T* p = source)
        {
            OpenClStatus.Check(NativeMethods.clEnqueueWriteBuffer(_device.Queue, Memory, 1, (nuint)(offset * sizeof(T)), (nuint)(source.Length * sizeof(T)), p, 0, null, null), "clEnqueueWriteBuffer");
        }
    }

    /// <inheritdoc/>
    protected override void ReadCore(Span<T> destination, int offset)
    {
        if (destination.IsEmpty)
        {
            return;
        }
        fixed (T* p = destination)
        {
            OpenClStatus.Check(NativeMethods.clEnqueueReadBuffer(_device.Queue, Memory, 1, (nuint)(offset * sizeof(T)), (nuint)(destination.Length * sizeof(T)), p, 0, null, null), "clEnqueueReadBuffer");
        }
    }

    /// <inheritdoc/>
    protected override void ReleaseCore() => Memory.Dispose();
}
