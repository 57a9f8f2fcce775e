using System.Runtime.InteropServices;

namespace AgentRnn.Vision.Interop;

internal static unsafe partial class NativeMethods
{
    [LibraryImport(Library)]
    internal static partial NativeStatus imgproc_Preprocessor_new(in NativePreprocessOptions options, out nint preprocessor);

    [LibraryImport(Library)]
    internal static partial void imgproc_Preprocessor_delete(nint preprocessor);

    [LibraryImport(Library)]
    internal static partial NativeStatus imgproc_Preprocessor_channels(PreprocessorHandle preprocessor, out int channels);

    [LibraryImport(Library)]
    internal static partial NativeStatus imgproc_Preprocessor_keep(PreprocessorHandle preprocessor, NativeImage* source);

    [LibraryImport(Library)]
    internal static partial NativeStatus imgproc_Preprocessor_run(
        PreprocessorHandle preprocessor, NativeImage* source, int maxWithKept, byte* destination, long destinationLength);
}
