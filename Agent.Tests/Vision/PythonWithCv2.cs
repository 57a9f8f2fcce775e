using System.Diagnostics;

namespace AgentRnn.Tests.Vision;

/// <summary>
/// The Python that has cv2 and numpy (Debian's python3-opencv and python3-numpy, installed by tools/ensure-test-deps.sh):
/// /usr/bin/python3 first, since a python3 earlier on PATH (pyenv, a venv) usually lacks Debian's modules.
/// </summary>
internal static class PythonWithCv2
{
    private static readonly Lazy<string> Found = new(Find);

    public static string Path => Found.Value;

    private static string Find()
    {
        foreach (string candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                var start = new ProcessStartInfo(candidate, ["-c", "import cv2, numpy"]) { RedirectStandardError = true, RedirectStandardOutput = true };
                using Process? process = Process.Start(start);
                if (process is not null && process.WaitForExit(60_000) && process.ExitCode == 0)
                {
                    return candidate;
                }
            }
            catch (System.ComponentModel.Win32Exception)
            {
            }
        }
        throw new InvalidOperationException("no python3 with cv2 and numpy: run tools/ensure-test-deps.sh (apt-get install python3-opencv python3-numpy)");
    }
}
