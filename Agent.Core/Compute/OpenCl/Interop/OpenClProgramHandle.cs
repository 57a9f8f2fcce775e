using System.Runtime.InteropServices;

namespace AgentRnn.Core.Compute.OpenCl.Interop;

/// <summary>Owns an OpenCL program (cl_program); released with clReleaseProgram. The release never throws (it runs on finalizer threads).</summary>
internal sealed class OpenClProgramHandle : SafeHandle
{
    /// <summary>Creates an invalid handle for the marshaller to fill.</summary>
    public OpenClProgramHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => NativeMethods.clReleaseProgram(handle) == 0;
}
