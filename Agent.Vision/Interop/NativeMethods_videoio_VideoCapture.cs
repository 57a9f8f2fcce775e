using System.Runtime.InteropServices;

namespace AgentRnn.Vision.Interop;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(VideoIoLibrary, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial NativeStatus videoio_VideoCapture_open(string pathOrUrl, out nint capture);

    [LibraryImport(VideoIoLibrary)]
    internal static partial void videoio_VideoCapture_delete(nint capture);

    [LibraryImport(VideoIoLibrary)]
    internal static partial NativeStatus videoio_VideoCapture_info(VideoCaptureHandle capture, out NativeVideoInfo info);

    [LibraryImport(VideoIoLibrary)]
    internal static partial NativeStatus videoio_VideoCapture_grab(VideoCaptureHandle capture, out double posMsec);

    [LibraryImport(VideoIoLibrary)]
    internal static partial NativeStatus videoio_VideoCapture_read(VideoCaptureHandle capture, NativeImage* destination, out double posMsec);

    [LibraryImport(VideoIoLibrary)]
    internal static partial NativeStatus videoio_VideoCapture_set_pos_frames(VideoCaptureHandle capture, long frameIndex);
}
