using System.Runtime.InteropServices;

namespace AgentRnn.Vision.Interop;

/// <summary>Owns a native luma decoder (FFmpeg libavformat and libavcodec used directly). ReleaseHandle never throws: the native delete swallows every error.</summary>
internal sealed class LumaDecoderHandle : SafeHandle
{
    /// <summary>Used by the marshaller; the handle starts invalid.</summary>
    public LumaDecoderHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    /// <summary>Takes ownership of a pointer returned by the native open/new export.</summary>
    public LumaDecoderHandle(nint handle)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        SetHandle(handle);
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        NativeMethods.videoio_LumaDecoder_delete(handle);
        return true;
    }
}
