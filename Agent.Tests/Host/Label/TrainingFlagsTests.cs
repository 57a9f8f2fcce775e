using System.Text.Json;
using AgentRnn.Cli;
using AgentRnn.Core;
using AgentRnn.Core.SafeTensors;
using AgentRnn.Host.Pipeline;
using AgentRnn.Vision;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Label;

/// <summary>`agent label`'s training-matching flags: --frame-skip, --crop, --start/--end and the model-load overrides.</summary>
public sealed class TrainingFlagsTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = TestVideos.Directory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static string CleanRl => Path.Combine(AppContext.BaseDirectory, "Fixtures", "models", "cleanrl.safetensors");

    private static async Task<(int Code, string Stdout, string Stderr)> AgentAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await AgentCli.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static long[] Frames(string rows) =>
        File.ReadAllLines(rows).Select(l => { using var j = JsonDocument.Parse(l); return j.RootElement.GetProperty("frame").GetInt64(); }).ToArray();

    [Fact]
    public async Task FrameSkip4_AtariCleanRlCheckpoint_OneRowPerGroupAtItsLastFrame()
    {
        string video = TestVideos.Write(_directory, "clip.avi", 30, width: 160, height: 210);
        string rows = Path.Combine(_directory, "clip.jsonl");
        string annotated = Path.Combine(_directory, "clip.mp4");

        var (code, _, stderr) = await AgentAsync("label", video, "--model", CleanRl, "--frame-skip", "4", "--out", rows, "--annotate", annotated);
        output.WriteLine(stderr);

        Assert.True(code == 0, stderr);
        // 30 frames: 7 whole groups of 4 (frames 3, 7, ..., 27); frames 28 and 29 make no row.
        Assert.Equal(Enumerable.Range(0, 7).Select(g => 4L * g + 3).ToArray(), Frames(rows));
        using VideoSource copy = VideoSource.Open(annotated);
        Assert.Equal(25.0 / 4, copy.Fps, 2);
        Assert.Contains("label: 7 frames in ", stderr);
    }

    [Fact]
    public async Task StartEnd_FramesAndSeconds_LabelOnlyThatPartWithTheVideosOwnFrameNumbers()
    {
        string video = TestVideos.Write(_directory, "clip.avi", 60, fps: 25);
        string byFrame = Path.Combine(_directory, "frames.jsonl");
        string bySeconds = Path.Combine(_directory, "seconds.jsonl");

        var (code, _, stderr) = await AgentAsync("label", video, "--model", CleanRl, "--start", "10", "--end", "20", "--out", byFrame);
        Assert.True(code == 0, stderr);
        (code, _, stderr) = await AgentAsync("label", video, "--model", CleanRl, "--start", "1s", "--end", "1.5s", "--out", bySeconds);
        Assert.True(code == 0, stderr);

        Assert.Equal(Enumerable.Range(10, 10).Select(i => (long)i).ToArray(), Frames(byFrame));
        Assert.Equal(Enumerable.Range(25, 13).Select(i => (long)i).ToArray(), Frames(bySeconds));
    }

    [Fact]
    public async Task Crop_ChangesWhatTheModelSees()
    {
        string video = TestVideos.Write(_directory, "clip.avi", 8, width: 96, height: 80);
        string whole = Path.Combine(_directory, "whole.jsonl");
        string cropped = Path.Combine(_directory, "cropped.jsonl");
        Assert.Equal(0, (await AgentAsync("label", video, "--model", CleanRl, "--out", whole, "--emit", "value")).Code);
        Assert.Equal(0, (await AgentAsync("label", video, "--model", CleanRl, "--out", cropped, "--emit", "value", "--crop", "10,5,60,60")).Code);
        Assert.NotEqual(File.ReadAllText(whole), File.ReadAllText(cropped));
        Assert.Equal(8, File.ReadAllLines(cropped).Length);
    }

    [Fact]
    public async Task Rgb_CleanRlCheckpointWithThreeChannels_LabelsColourFramesWithTheOverride()
    {
        // The fixture's first convolution widened to 3 input channels: an RGB CleanRL checkpoint.
        string rgbModel = Path.Combine(_directory, "rgb.safetensors");
        var tensors = new List<KeyValuePair<string, Tensor>>();
        using (SafeTensorsFile file = SafeTensorsFile.Open(CleanRl))
        {
            foreach (TensorInfo info in file.Tensors)
            {
                Tensor t = file.ReadTensor(info.Name);
                if (t.Rank == 4 && t.Dim(1) == 1)
                {
                    var wide = new Tensor(t.Dim(0), 3, t.Dim(2), t.Dim(3));
                    int plane = t.Dim(2) * t.Dim(3);
                    for (int o = 0; o < t.Dim(0); o++)
                    {
                        for (int c = 0; c < 3; c++)
                        {
                            t.Data.AsSpan(o * plane, plane).CopyTo(wide.Data.AsSpan((o * 3 + c) * plane, plane));
                        }
                    }
                    t = wide;
                }
                tensors.Add(new(info.Name, t));
            }
        }
        SafeTensorsWriter.Write(rgbModel, tensors);
        string video = TestVideos.Write(_directory, "clip.avi", 6);
        string rows = Path.Combine(_directory, "rgb.jsonl");

        string stacked = Path.Combine(_directory, "stacked.jsonl");

        var (code, _, stderr) = await AgentAsync("label", video, "--model", rgbModel, "--rgb", "--out", rows, "--emit", "probs,value");
        Assert.True(code == 0, stderr);
        // Without --rgb the 3 input channels read as a stack of 3 gray frames: the same checkpoint sees other inputs.
        (code, _, stderr) = await AgentAsync("label", video, "--model", rgbModel, "--out", stacked, "--emit", "probs,value");
        Assert.True(code == 0, stderr);

        Assert.Equal(6, File.ReadAllLines(rows).Length);
        Assert.NotEqual(File.ReadAllText(stacked), File.ReadAllText(rows));
    }

    [Theory]
    [InlineData("--frame-skip 0", "--frame-skip 0: must be at least 1")]
    [InlineData("--frame-skip -3", "--frame-skip -3: must be at least 1")]
    [InlineData("--crop 1,2,3", "--crop '1,2,3': expected X,Y,W,H")]
    [InlineData("--crop a,b,c,d", "--crop 'a,b,c,d': expected X,Y,W,H")]
    [InlineData("--crop -1,0,10,10", "--crop '-1,0,10,10': expected X,Y,W,H")]
    [InlineData("--crop 0,0,0,10", "the width and height must be positive")]
    [InlineData("--crop 40,0,30,10", "--crop 40,0,30,10 does not fit inside the 64x48 frame")]
    [InlineData("--start 5x", "--start '5x': expected a frame index (300) or seconds (12.5s)")]
    [InlineData("--end -1s", "--end '-1s': expected")]
    [InlineData("--start 20 --end 10", "--end 10 must be after --start 20")]
    [InlineData("--start 2s --end 1.5s", "--end 1.5s must be after --start 2s")]
    [InlineData("--start 500", "--start 500 is past the end of the video (12 frames")]
    [InlineData("--height 84", "--height and --width go together")]
    [InlineData("--height 0 --width 84", "the frame size must be positive")]
    [InlineData("--scale 0", "--scale 0: must be a positive number")]
    [InlineData("--action-sizes 3,x", "--action-sizes '3,x': 'x' is not a positive integer")]
    public async Task BadValue_OneLineNonZeroExitNoStackTrace(string flags, string expected)
    {
        string video = TestVideos.Write(_directory, "clip.avi", 12);
        string rows = Path.Combine(_directory, "rows.jsonl");
        string[] args = ["label", video, "--model", CleanRl, "--out", rows, .. flags.Split(' ')];

        var (code, _, stderr) = await AgentAsync(args);
        output.WriteLine(stderr);

        Assert.NotEqual(0, code);
        Assert.Contains(expected, stderr);
        Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain("   at ", stderr);
        Assert.False(File.Exists(rows + ".partial"));
    }

    [Fact]
    public void FrameWindow_ParsesFramesAndSeconds()
    {
        FrameWindow window = FrameWindow.Parse("12.5s", "300");
        Assert.Equal(VideoPosition.Seconds(12.5), window.Start);
        Assert.Equal(VideoPosition.Frame(300), window.End);
        Assert.Equal(VideoPosition.Seconds(3), VideoPosition.TryParse(" 3 s "));
        Assert.Null(VideoPosition.TryParse("1e3"));
        Assert.Null(VideoPosition.TryParse("nans"));
        Assert.Throws<AgentException>(() => FrameWindow.Parse("10", "10"));
    }
}
