using AgentRnn.Vision;

namespace AgentRnn.Tests.Host.Label;

/// <summary>Small videos written with AgentRnn.Vision's VideoWriter for label tests: a square moving over a gradient.</summary>
internal static class TestVideos
{
    public static string Directory()
    {
        string path = Path.Combine(Path.GetTempPath(), $"agent-label-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Writes <paramref name="frames"/> BGR frames (MJPG in AVI keeps every frame) and returns the path.</summary>
    public static string Write(string directory, string name, int frames, int width = 64, int height = 48, double fps = 25)
    {
        string path = Path.Combine(directory, name);
        using VideoWriter writer = VideoWriter.Open(path, "MJPG", fps, width, height);
        var frame = new byte[width * height * 3];
        for (int i = 0; i < frames; i++)
        {
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    bool square = Math.Abs(x - (i * 5) % width) < 8 && Math.Abs(y - (i * 3) % height) < 8;
                    int at = (y * width + x) * 3;
                    frame[at] = square ? (byte)250 : (byte)(x * 3);
                    frame[at + 1] = square ? (byte)40 : (byte)(y * 4);
                    frame[at + 2] = square ? (byte)90 : (byte)((x + y + i * 7) % 256);
                }
            }
            writer.Write(frame);
        }
        return path;
    }
}
