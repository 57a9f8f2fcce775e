using System.Runtime.InteropServices;

namespace AgentRnn.Vision.Interop;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(VideoIoLibrary, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial NativeStatus videoio_VideoWriter_open(
        string path, int fourcc, double fps, int width, int height, int isColor, int api, out nint writer);

    [LibraryImport(VideoIoLibrary)]
    internal static partial NativeStatus videoio_VideoWriter_write(VideoWriterHandle writer, NativeImage* frame);

    [LibraryImport(VideoIoLibrary)]
    internal static partial NativeStatus videoio_VideoWriter_release(VideoWriterHandle writer);

    [LibraryImport(VideoIoLibrary)]
    internal static partial void videoio_VideoWriter_delete(nint writer);
}
