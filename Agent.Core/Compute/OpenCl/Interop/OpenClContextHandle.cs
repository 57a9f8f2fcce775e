using System.Runtime.InteropServices;

namespace AgentRnn.Core.Compute.OpenCl.Interop;

/// <summary>Owns an OpenCL context (cl_context); released with clReleaseContext. The release never throws (it runs on finalizer threads).</summary>
internal sealed class OpenClContextHandle : SafeHandle
{
    /// <summary>Creates an invalid handle for the marshaller to fill.</summary>
    public OpenClContextHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => NativeMethods.clReleaseContext(handle) == 0;
}
