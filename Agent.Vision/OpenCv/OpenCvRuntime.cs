using System.Runtime.InteropServices;
using OpenCvSharp;
using OpenCvSharp.Internal;

namespace AgentRnn.Vision.OpenCv;

/// <summary>
/// The process-wide set-up of OpenCvSharp's native OpenCV, done once before its first use, and the status check every
/// call into it goes through. OpenCV's own log and FFmpeg's (built into OpenCvSharp's runtime) are silenced unless the
/// caller's environment asks for them (OPENCV_LOG_LEVEL, OPENCV_FFMPEG_LOGLEVEL): every failure already comes back as
/// a typed exception with a one-line message.
/// </summary>
internal static partial class OpenCvRuntime
{
    private static readonly Lock Gate = new();
    private static bool _ready;

    /// <summary>Silences the logs once. OpenCV's FFmpeg backend reads OPENCV_FFMPEG_LOGLEVEL at every open.</summary>
    public static void EnsureReady()
    {
        if (Volatile.Read(ref _ready))
        {
            return;
        }
        lock (Gate)
        {
            if (_ready)
            {
                return;
            }
            // .NET keeps its own copy of the environment on Unix, so the native getenv OpenCV calls needs libc's setenv.
            if (Environment.GetEnvironmentVariable("OPENCV_FFMPEG_LOGLEVEL") is null)
            {
                SetNativeEnvironment("OPENCV_FFMPEG_LOGLEVEL", "-8");
            }
            if (Environment.GetEnvironmentVariable("OPENCV_LOG_LEVEL") is null)
            {
                Cv2.SetLogLevel(OpenCvSharp.LogLevel.SILENT);
            }
            Volatile.Write(ref _ready, true);
        }
    }

    /// <summary>Turns a failed OpenCvSharp native call into an <see cref="OpenCvException"/> carrying OpenCV's message.</summary>
    public static void Check(ExceptionStatus status)
    {
        if (status == ExceptionStatus.NotOccurred)
        {
            return;
        }
        try
        {
            NativeMethods.HandleException(status);
        }
        catch (OpenCVException e)
        {
            throw new OpenCvException(string.IsNullOrEmpty(e.ErrMsg) ? e.Message : e.ErrMsg, e);
        }
        throw new OpenCvException("an OpenCV call failed without a message");
    }

    private static void SetNativeEnvironment(string name, string value)
    {
        if (OperatingSystem.IsWindows())
        {
            _ = WindowsPutEnv(name, value);
        }
        else
        {
            _ = UnixSetEnv(name, value, 0);
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int UnixSetEnv(string name, string value, int overwrite);

    [LibraryImport("ucrtbase", EntryPoint = "_putenv_s", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int WindowsPutEnv(string name, string value);
}
