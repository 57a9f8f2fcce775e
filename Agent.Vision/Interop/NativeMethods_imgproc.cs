using System.Runtime.InteropServices;

namespace AgentRnn.Vision.Interop;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)]
    internal static partial NativeStatus imgproc_cvtColor(NativeImage* source, NativeImage* destination);

    [LibraryImport(Library)]
    internal static partial NativeStatus imgproc_resize(NativeImage* source, NativeImage* destination, int interpolation);

    [LibraryImport(Library)]
    internal static partial NativeStatus imgproc_rectangle(
        NativeImage* image, int x, int y, int width, int height, double blue, double green, double red, int thickness);

    [LibraryImport(Library)]
    internal static partial NativeStatus imgproc_putText(
        NativeImage* image, byte* text, int x, int y, double fontScale, double blue, double green, double red, int thickness);

    [LibraryImport(Library)]
    internal static partial NativeStatus imgproc_getTextSize(
        byte* text, double fontScale, int thickness, out int width, out int height, out int baseline);
}
