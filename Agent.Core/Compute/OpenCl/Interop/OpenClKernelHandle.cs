using System.Runtime.InteropServices;

namespace AgentRnn.Core.Compute.OpenCl.Interop;

/// <summary>Owns an OpenCL kernel (cl_kernel); released with clReleaseKernel. The release never throws (it runs on finalizer threads).</summary>
internal sealed class OpenClKernelHandle : SafeHandle
{
    /// <summary>Creates an invalid handle for the marshaller to fill.</summary>
    public OpenClKernelHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => NativeMethods.clReleaseKernel(handle) == 0;
}
