using System.Diagnostics;
using AgentRnn.Vision;

namespace AgentRnn.Tests.Vision;

/// <summary>
/// Small videos generated inside the tests with OpenCV's VideoWriter (or the ffmpeg CLI for H.264, which OpenCvSharp's
/// FFmpeg cannot encode, and for VFR), in a temp dir deleted on dispose.
/// </summary>
internal sealed class TestVideos : IDisposable
{
    public TestVideos()
    {
        Directory = Path.Combine(Path.GetTempPath(), "agentrnn-vision-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    public string Directory { get; }

    public string PathFor(string name) => Path.Combine(Directory, name);

    /// <summary>A deterministic, smooth BGR test pattern (lossy codecs keep it recognisable) that moves with the frame index.</summary>
    public static byte[] Pattern(int width, int height, int index, PixelFormat format = PixelFormat.Bgr)
    {
        int bpp = format.BytesPerPixel();
        var frame = new byte[width * height * bpp];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int o = (y * width + x) * bpp;
                byte b = (byte)((x * 3 + index * 5) & 255);
                byte g = (byte)((y * 4 + index * 3) & 255);
                byte r = (byte)(((x + y) * 2 + index * 7) & 255);
                switch (format)
                {
                    case PixelFormat.Gray:
                        frame[o] = (byte)((b + g + r) / 3);
                        break;
                    case PixelFormat.Bgr:
                    case PixelFormat.Bgra:
                        frame[o] = b;
                        frame[o + 1] = g;
                        frame[o + 2] = r;
                        break;
                    default:
                        frame[o] = r;
                        frame[o + 1] = g;
                        frame[o + 2] = b;
                        break;
                }
                if (bpp == 4)
                {
                    frame[o + 3] = (byte)(255 - index);
                }
            }
        }
        return frame;
    }

    /// <summary>Writes frames BGR pattern frames with OpenCV's VideoWriter and returns the path.</summary>
    public string Write(string name, string fourcc, int width, int height, double fps, int frames, VideoWriterBackend backend = VideoWriterBackend.Ffmpeg)
    {
        string path = PathFor(name);
        using var writer = VideoWriter.Open(path, fourcc, fps, width, height, isColor: true, backend);
        for (int i = 0; i < frames; i++)
        {
            writer.Write(Pattern(width, height, i));
        }
        return path;
    }

    /// <summary>
    /// Writes frames BGR pattern frames as H.264 (libx264 through the ffmpeg CLI, yuv420p, no B-frames so that every
    /// container declares the frame count) and returns the path.
    /// </summary>
    public string WriteH264(string name, int width, int height, double fps, int frames)
    {
        string raw = PathFor(name + ".bgr");
        using (FileStream file = File.Create(raw))
        {
            for (int i = 0; i < frames; i++)
            {
                file.Write(Pattern(width, height, i));
            }
        }
        string path = PathFor(name);
        Ffmpeg("-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", $"{width}x{height}",
            "-r", fps.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", raw,
            "-c:v", "libx264", "-bf", "0", "-pix_fmt", "yuv420p", path);
        File.Delete(raw);
        return path;
    }

    /// <summary>A copy of path cut to fraction of its bytes (a stream that breaks mid-way).</summary>
    public string Truncate(string path, double fraction)
    {
        byte[] bytes = File.ReadAllBytes(path);
        string cut = PathFor("cut-" + Path.GetFileName(path));
        File.WriteAllBytes(cut, bytes.AsSpan(0, (int)(bytes.Length * fraction)).ToArray());
        return cut;
    }

    /// <summary>Runs ffmpeg (installed by .ci/run) with arguments; fails the test with ffmpeg's stderr if it does not succeed.</summary>
    public static void Ffmpeg(params string[] arguments)
    {
        var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start (.ci/run installs it)");
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"ffmpeg failed: {errors}");
    }

    public void Dispose()
    {
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
