using System.Runtime.InteropServices;

namespace AgentRnn.Vision.Interop;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial NativeStatus videoio_LumaDecoder_open(string pathOrUrl, int threads, out nint decoder);

    [LibraryImport(Library)]
    internal static partial void videoio_LumaDecoder_delete(nint decoder);

    [LibraryImport(Library)]
    internal static partial NativeStatus videoio_LumaDecoder_info(LumaDecoderHandle decoder, out NativeVideoInfo info);

    [LibraryImport(Library)]
    internal static partial NativeStatus videoio_LumaDecoder_details(LumaDecoderHandle decoder, out NativeLumaDetails details);

    [LibraryImport(Library)]
    internal static partial NativeStatus videoio_LumaDecoder_grab(LumaDecoderHandle decoder, out double posMsec);

    [LibraryImport(Library)]
    internal static partial NativeStatus videoio_LumaDecoder_read(LumaDecoderHandle decoder, NativeImage* destination, out double posMsec);

    [LibraryImport(Library)]
    internal static partial NativeStatus videoio_LumaDecoder_seek(LumaDecoderHandle decoder, long frameIndex);
}
