using System.Runtime.InteropServices;

namespace AgentRnn.Vision.Interop;

/// <summary>
/// P/Invoke declarations for native/agentcv (the C ABI over OpenCV 4.6 and FFmpeg). Every export returns a
/// <see cref="NativeStatus"/>; <see cref="ThrowIfFailed"/> turns a failure into an <see cref="OpenCvException"/>
/// carrying OpenCV's message. Declarations for each wrapped OpenCV type live in NativeMethods_&lt;module&gt;_&lt;Type&gt;.cs.
/// </summary>
internal static unsafe partial class NativeMethods
{
    internal const string Library = "agentcv";

    /// <summary>
    /// The cv::VideoCapture and cv::VideoWriter exports, kept apart so that a process that reads gray video through the
    /// luma decoder never loads OpenCV's videoio (with imgcodecs, GDAL and GStreamer: about 0.15 s of CPU at start-up).
    /// It reports its errors through <see cref="Library"/>'s agentcv_last_error.
    /// </summary>
    internal const string VideoIoLibrary = "agentcv_videoio";

    /// <summary>Longest native message kept; OpenCV's messages are one line.</summary>
    private const int MessageCapacity = 1024;

    [LibraryImport(Library)]
    internal static partial int agentcv_last_error(byte* buffer, int capacity);

    [LibraryImport(Library)]
    internal static partial NativeStatus agentcv_version(byte* buffer, int capacity);

    /// <summary>The message of this thread's last native failure.</summary>
    internal static string LastError()
    {
        byte* buffer = stackalloc byte[MessageCapacity];
        agentcv_last_error(buffer, MessageCapacity);
        return new string((sbyte*)buffer);
    }

    /// <summary>Throws an <see cref="OpenCvException"/> with the native message unless the status is OK.</summary>
    internal static void ThrowIfFailed(NativeStatus status)
    {
        if (status != NativeStatus.Ok)
        {
            throw new OpenCvException(status, LastError());
        }
    }

    /// <summary>OpenCV's version string, e.g. "4.6.0".</summary>
    internal static string Version()
    {
        byte* buffer = stackalloc byte[64];
        ThrowIfFailed(agentcv_version(buffer, 64));
        return new string((sbyte*)buffer);
    }
}
