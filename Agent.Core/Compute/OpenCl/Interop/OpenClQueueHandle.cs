using System.Runtime.InteropServices;

namespace AgentRnn.Core.Compute.OpenCl.Interop;

/// <summary>Owns an OpenCL command queue (cl_command_queue); released with clReleaseCommandQueue. The release never throws (it runs on finalizer threads).</summary>
internal sealed class OpenClQueueHandle : SafeHandle
{
    /// <summary>Creates an invalid handle for the marshaller to fill.</summary>
    public OpenClQueueHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => NativeMethods.clReleaseCommandQueue(handle) == 0;
}
