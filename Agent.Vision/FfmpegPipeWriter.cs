using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace AgentRnn.Vision;

/// <summary>
/// Writes packed BGR frames to an H.264 MP4 through the ffmpeg command-line tool (libx264, yuv420p, +faststart: what
/// browsers and notebooks play), for when the FFmpeg inside OpenCV has no H.264 encoder. Frames go to ffmpeg's stdin as
/// raw video; ffmpeg runs in its own session (setsid) so that a Ctrl+C meant for this process does not kill it before
/// <see cref="Close"/> finishes the file. Odd widths and heights lose their last column or row, as OpenCV's writer does.
/// Contract: one thread uses an instance; <see cref="Write"/> allocates nothing.
/// </summary>
public sealed class FfmpegPipeWriter : IFrameWriter
{
    private static readonly Lazy<string?> Tool = new(FindTool);

    private readonly Process _process;
    private readonly Stream _input;
    private readonly StringBuilder _errors = new();
    private bool _closed;

    private FfmpegPipeWriter(string path, Process process, int width, int height)
    {
        Path = path;
        _process = process;
        _input = process.StandardInput.BaseStream;
        Width = width;
        Height = height;
    }

    /// <summary>The file being written.</summary>
    public string Path { get; }

    /// <summary>Frame width the writer accepts.</summary>
    public int Width { get; }

    /// <summary>Frame height the writer accepts.</summary>
    public int Height { get; }

    /// <inheritdoc />
    public int FrameCount { get; private set; }

    /// <summary>True when an ffmpeg on PATH has the libx264 encoder (asked once per process).</summary>
    public static bool IsAvailable => Tool.Value is not null;

    /// <summary>
    /// Starts ffmpeg writing path; null when no ffmpeg with libx264 is on PATH. A start that fails throws a
    /// <see cref="VideoException"/>.
    /// </summary>
    public static FfmpegPipeWriter? TryOpen(string path, double fps, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (width <= 0 || height <= 0 || !(fps > 0) || !double.IsFinite(fps))
        {
            throw new VideoException(path, $"cannot write a {width}x{height} video at {fps} fps: size and frame rate must be positive");
        }
        if (Tool.Value is not string ffmpeg)
        {
            return null;
        }
        var start = new ProcessStartInfo(File.Exists("/usr/bin/setsid") ? "/usr/bin/setsid" : ffmpeg)
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        if (start.FileName != ffmpeg)
        {
            // --wait: should setsid have to fork (it does when started as a process-group leader), it still exits only with ffmpeg.
            start.ArgumentList.Add("--wait");
            start.ArgumentList.Add(ffmpeg);
        }
        foreach (string argument in new[]
        {
            "-hide_banner", "-nostats", "-loglevel", "error", "-y",
            "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", $"{width}x{height}", "-r", fps.ToString("R", CultureInfo.InvariantCulture), "-i", "-",
            "-vf", "crop=trunc(iw/2)*2:trunc(ih/2)*2", "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
            "-movflags", "+faststart", "-f", "mp4", path,
        })
        {
            start.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new VideoException(path, "cannot start ffmpeg");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new VideoException(path, $"cannot start ffmpeg ({e.Message})");
        }
        var writer = new FfmpegPipeWriter(path, process, width, height);
        process.ErrorDataReceived += (_, line) =>
        {
            if (line.Data is string text)
            {
                lock (writer._errors)
                {
                    writer._errors.AppendLine(text);
                }
            }
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        return writer;
    }

    /// <inheritdoc />
    public void Write(ReadOnlySpan<byte> frame)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        int bytes = Width * Height * 3;
        if (frame.Length < bytes)
        {
            throw new FrameFormatException($"{Path}: cannot write frame {FrameCount}: a {Width}x{Height} BGR frame needs {bytes} bytes, got {frame.Length}");
        }
        try
        {
            _input.Write(frame[..bytes]);
        }
        catch (IOException e)
        {
            throw new VideoException(Path, $"ffmpeg stopped taking frames at frame {FrameCount} ({Errors() ?? e.Message})");
        }
        FrameCount++;
    }

    /// <inheritdoc />
    public void Close()
    {
        if (_closed)
        {
            return;
        }
        _closed = true;
        try
        {
            _input.Dispose();
        }
        catch (IOException)
        {
        }
        _process.WaitForExit();
        int code = _process.ExitCode;
        _process.Dispose();
        if (code != 0)
        {
            throw new VideoException(Path, $"ffmpeg failed with exit code {code} ({Errors() ?? "no message"})");
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_closed)
        {
            return;
        }
        _closed = true;
        try
        {
            _input.Dispose();
            _process.WaitForExit();
        }
        catch (Exception e) when (e is IOException or InvalidOperationException)
        {
        }
        _process.Dispose();
    }

    private string? Errors()
    {
        lock (_errors)
        {
            string text = _errors.ToString().Trim().Replace('\n', ' ');
            return text.Length == 0 ? null : text;
        }
    }

    // An ffmpeg on PATH that lists libx264 among its encoders.
    private static string? FindTool()
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = System.IO.Path.Combine(directory, "ffmpeg");
            if (!File.Exists(candidate))
            {
                continue;
            }
            try
            {
                var start = new ProcessStartInfo(candidate, ["-hide_banner", "-encoders"]) { RedirectStandardOutput = true, RedirectStandardError = true };
                using Process process = Process.Start(start)!;
                Task<string> error = process.StandardError.ReadToEndAsync();
                string encoders = process.StandardOutput.ReadToEnd();
                if (!process.WaitForExit(10_000))
                {
                    process.Kill();
                    return null;
                }
                _ = error.Result;
                return encoders.Contains(" libx264 ", StringComparison.Ordinal) ? candidate : null;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return null;
            }
        }
        return null;
    }
}
