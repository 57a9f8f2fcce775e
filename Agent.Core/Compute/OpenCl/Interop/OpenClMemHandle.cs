using System.Runtime.InteropServices;

namespace AgentRnn.Core.Compute.OpenCl.Interop;

/// <summary>Owns an OpenCL buffer (cl_mem); released with clReleaseMemObject. The release never throws (it runs on finalizer threads).</summary>
internal sealed class OpenClMemHandle : SafeHandle
{
    /// <summary>Creates an invalid handle for the marshaller to fill.</summary>
    public OpenClMemHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => NativeMethods.clReleaseMemObject(handle) == 0;
}
