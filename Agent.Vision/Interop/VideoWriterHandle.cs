using System.Runtime.InteropServices;

namespace AgentRnn.Vision.Interop;

/// <summary>Owns an OpenCV cv::VideoWriter. ReleaseHandle never throws: the native delete swallows every error.</summary>
internal sealed class VideoWriterHandle : SafeHandle
{
    /// <summary>Used by the marshaller; the handle starts invalid.</summary>
    public VideoWriterHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    /// <summary>Takes ownership of a pointer returned by the native open/new export.</summary>
    public VideoWriterHandle(nint handle)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        SetHandle(handle);
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        NativeMethods.videoio_VideoWriter_delete(handle);
        return true;
    }
}
