using ILGPU;
using ILGPU.Runtime;

namespace AgentRnn.Core.Compute.Ilgpu;

/// <summary>A device buffer in an ILGPU accelerator's memory (GPU memory for CUDA and OpenCL).</summary>
/// <typeparam name="T">float, byte or int.</typeparam>
public sealed class IlgpuBuffer<T> : DeviceBuffer<T>
    where T : unmanaged
{
    private MemoryBuffer1D<T, Stride1D.Dense>? _memory;

    internal IlgpuBuffer(IlgpuDevice device, int length)
        : base(device, length)
    {
        // ILGPU refuses zero-length allocations on some backends; an empty buffer holds one unused element.
        _memory = device.Accelerator.Allocate1D<T>(Math.Max(1, length));
        _memory.MemSetToZero();
    }

    /// <summary>The elements of a view as an ILGPU view, for the kernels.</summary>
    internal ArrayView<T> View(DeviceView<T> view)
    {
        ThrowIfDisposed();
        return _memory!.View.SubView(view.Offset, view.Length);
    }

    /// <summary>The whole allocation.</summary>
    internal ArrayView<T> All
    {
        get
        {
            ThrowIfDisposed();
            return _memory!.View.SubView(0, Length);
        }
    }

    /// <inheritdoc/>
    protected override void WriteCore(ReadOnlySpan<T> source, int offset)
    {
        if (!source.IsEmpty)
        {
            ((ArrayView<T>)_memory!.View).SubView(offset, source.Length).CopyFromCPU(source);
        }
    }

    /// <inheritdoc/>
    protected override void ReadCore(Span<T> destination, int offset)
    {
        if (!destination.IsEmpty)
        {
            ((ArrayView<T>)_memory!.View).SubView(offset, destination.Length).CopyToCPU(destination);
        }
    }

    /// <inheritdoc/>
    protected override void ReleaseCore()
    {
        _memory?.Dispose();
        _memory = null;
    }
}
