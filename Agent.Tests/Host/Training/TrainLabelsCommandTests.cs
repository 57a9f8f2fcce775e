using AgentRnn.Cli;
using AgentRnn.Host.Models;
using AgentRnn.Vision;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Training;

public class TrainLabelsCommandTests(ITestOutputHelper output)
{
    // A square on the left or the right, switching every 6 frames; the label names the side.
    private static string WriteVideo(string dir, int frames, out string labels)
    {
        string path = Path.Combine(dir, "sides.avi");
        var rows = new List<string> { "frame,time,label" };
        using (var writer = VideoWriter.Open(path, "MJPG", 10, 48, 48, isColor: true, VideoWriterBackend.Ffmpeg))
        {
            var frame = new byte[48 * 48 * 3];
            for (int i = 0; i < frames; i++)
            {
                bool left = (i / 6) % 3 != 1;
                Array.Fill(frame, (byte)30);
                for (int y = 14; y < 34; y++)
                {
                    for (int x = left ? 2 : 28; x < (left ? 20 : 46); x++)
                    {
                        frame[(y * 48 + x) * 3 + 2] = 250;
                    }
                }
                writer.Write(frame);
                rows.Add($"{i},{i / 10.0:0.0},{(left ? "left" : "right")}");
            }
        }
        labels = Path.Combine(dir, "sides.csv");
        File.WriteAllLines(labels, rows);
        return path;
    }

    [Fact]
    public async Task TrainLabels_LearnsPerFrameLabels_ReportsValidationAccuracyAndWritesALoadableModel()
    {
        string dir = Directory.CreateTempSubdirectory("agentrnn-labels-").FullName;
        try
        {
            string video = WriteVideo(dir, 200, out string labels);
            string model = Path.Combine(dir, "sides.safetensors");
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int code = await AgentCli.RunAsync(["train", "labels", video, "--labels", labels, "--out", model, "--frame-size", "36",
                "--hidden-size", "16", "--seq-len", "20", "--batch-size", "4", "--epochs", "6", "--learning-rate", "3e-3"], stdout, stderr);
            output.WriteLine(stderr.ToString());
            output.WriteLine(stdout.ToString());
            Assert.Equal(0, code);
            string line = stdout.ToString().Trim();
            Assert.Contains("validation accuracy", line);
            double accuracy = double.Parse(line.Split("validation accuracy ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(accuracy >= 0.9, $"validation accuracy {accuracy} < 0.9 (chance is about 0.67)");
            PolicyModel loaded = PolicyModel.Load(model);
            Assert.Equal(2, loaded.Config.Action.Width);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task TrainLabels_LabelsFileWithoutLabelColumn_IsOneLineError()
    {
        string dir = Directory.CreateTempSubdirectory("agentrnn-labels-").FullName;
        try
        {
            string video = WriteVideo(dir, 12, out _);
            string bad = Path.Combine(dir, "bad.csv");
            File.WriteAllText(bad, "frame,class\n0,left\n");
            var stderr = new StringWriter();
            int code = await AgentCli.RunAsync(["train", "labels", video, "--labels", bad, "--out", Path.Combine(dir, "m.safetensors")], new StringWriter(), stderr);
            Assert.NotEqual(0, code);
            Assert.Contains("'frame' and 'label' columns", stderr.ToString());
            Assert.Single(stderr.ToString().Trim().Split('\n'));
            Assert.False(File.Exists(Path.Combine(dir, "m.safetensors")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
