using System.Runtime.InteropServices;

namespace AgentRnn.Vision.Interop;

/// <summary>Owns a native frame preprocessor and its reused Mats. ReleaseHandle never throws: the native delete swallows every error.</summary>
internal sealed class PreprocessorHandle : SafeHandle
{
    /// <summary>Used by the marshaller; the handle starts invalid.</summary>
    public PreprocessorHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    /// <summary>Takes ownership of a pointer returned by the native open/new export.</summary>
    public PreprocessorHandle(nint handle)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        SetHandle(handle);
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        NativeMethods.imgproc_Preprocessor_delete(handle);
        return true;
    }
}
