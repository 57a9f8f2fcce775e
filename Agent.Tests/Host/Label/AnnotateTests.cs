using System.Diagnostics;
using AgentRnn.Cli.Labeling;
using AgentRnn.Host.Labeling;
using AgentRnn.Host.Pipeline;
using AgentRnn.Tests.Host.Pipeline;
using AgentRnn.Vision;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Label;

/// <summary>`agent label --annotate`: the annotated copy is written in the labelling pass, with the info strip below the picture.</summary>
public sealed class AnnotateTests(ITestOutputHelper output) : IDisposable
{
    private const int ObservationSize = 4 * 84 * 84;
    private readonly string _dir = TestVideos.Directory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static LabelRequest Request(string video, string rows, string annotate) => new()
    {
        Videos = [video],
        Rows = [rows],
        Format = LabelFormat.Jsonl,
        Segments = [null],
        Annotate = [annotate],
        Classes = "left,stay,right",
    };

    private static (int Frames, int Width, int Height) Decode(string path, List<byte[]>? frames = null)
    {
        using VideoSource copy = VideoSource.Open(path);
        int count = 0;
        while (true)
        {
            var frame = new byte[copy.FrameBytes];
            if (!copy.Read(frame, out _))
            {
                break;
            }
            frames?.Add(frame);
            count++;
        }
        return (count, copy.Width, copy.Height);
    }

    /// <summary>ffprobe's name for the first video stream's codec (Debian's ffmpeg, installed by .ci/run).</summary>
    private static string ProbeCodec(string path)
    {
        var start = new ProcessStartInfo("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name", "-of", "csv=p=0", path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using Process process = Process.Start(start)!;
        string codec = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        return codec;
    }

    [Fact]
    public async Task Annotate_Mp4_OnePassCopyWithEveryFrameTheStripBelowAndASummaryLine()
    {
        string video = TestVideos.Write(_dir, "clip.avi", 24);
        string rows = Path.Combine(_dir, "clip.jsonl");
        string annotated = Path.Combine(_dir, "clip.annotated.mp4");
        var stderr = new StringWriter();

        await LabelRunner.RunAsync(new HashModel(ObservationSize), new PreprocessOptions(), Request(video, rows, annotated),
            TextWriter.Null, stderr, showProgress: false, CancellationToken.None);
        output.WriteLine(stderr.ToString());

        var copied = new List<byte[]>();
        (int frames, int width, int height) = Decode(annotated, copied);
        Assert.Equal(24, frames);
        Assert.Equal(64, width);
        Assert.Equal(48 + InfoStrip.Rows(64, 48), height);
        Assert.Equal(0, height % 2);
        // H.264 (browser-playable): OpenCV's FFmpeg encoder, else the ffmpeg tool with libx264 (.ci/run installs it).
        Assert.True(FfmpegPipeWriter.IsAvailable, "no ffmpeg with libx264 on PATH (apt-get install ffmpeg)");
        Assert.Equal("h264", ProbeCodec(annotated));
        Assert.False(File.Exists(Path.ChangeExtension(annotated, ".partial.mp4")));

        // The picture is the source's, uncovered (mean absolute difference within 6 levels: both codecs are lossy).
        var source = new List<byte[]>();
        Decode(video, source);
        for (int i = 0; i < frames; i += 7)
        {
            double difference = 0;
            for (int b = 0; b < 64 * 48 * 3; b++)
            {
                difference += Math.Abs(copied[i][b] - source[i][b]);
            }
            Assert.InRange(difference / (64 * 48 * 3), 0, 6);
        }

        string summary = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.StartsWith("label: 24 frames in ", summary);
        Assert.Contains(" fps); wrote " + rows + ", " + annotated + " (", summary);
        Assert.Contains(", 24 frames)", summary);
    }

    [Fact]
    public async Task Annotate_MovWithoutAnH264EncoderInOpenCv_Mp4vAndOneLineSayingWhy()
    {
        string video = TestVideos.Write(_dir, "clip.avi", 6);
        string annotated = Path.Combine(_dir, "clip.mov");
        var stderr = new StringWriter();

        await LabelRunner.RunAsync(new HashModel(ObservationSize), new PreprocessOptions(), Request(video, Path.Combine(_dir, "clip.jsonl"), annotated),
            TextWriter.Null, stderr, showProgress: false, CancellationToken.None);
        output.WriteLine(stderr.ToString());

        Assert.Equal(6, Decode(annotated).Frames);
        string codec = ProbeCodec(annotated);
        Assert.Contains(codec, new[] { "h264", "mpeg4" });
        if (codec == "mpeg4")
        {
            // Not H.264: the run says which codec and why, in one line.
            string line = stderr.ToString().Split('\n').Single(l => l.Contains("no H.264 encoder"));
            Assert.StartsWith($"label: {annotated}: MPEG-4 Part 2 (mp4v): ", line);
        }
    }

    [Fact]
    public async Task Annotate_CtrlC_FinalisesAPlayableCopyUpToTheLastLabelledFrame()
    {
        string video = TestVideos.Write(_dir, "long.avi", 150);
        string rows = Path.Combine(_dir, "long.jsonl");
        string annotated = Path.Combine(_dir, "long.annotated.mp4");
        using var cancel = new CancellationTokenSource();
        var model = new CancellingModel(new HashModel(ObservationSize) { StepDelay = TimeSpan.FromMilliseconds(2) }, cancel, afterSteps: 20);
        var stderr = new StringWriter();

        OperationCanceledException stopped = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => LabelRunner.RunAsync(model,
            new PreprocessOptions(), Request(video, rows, annotated), TextWriter.Null, stderr, showProgress: false, cancel.Token));
        output.WriteLine(stderr.ToString());
        output.WriteLine(stopped.Message);

        int labelled = File.ReadAllLines(rows).Length;
        Assert.InRange(labelled, 20, 149);
        Assert.Equal(labelled, Decode(annotated).Frames);
        Assert.False(File.Exists(Path.ChangeExtension(annotated, ".partial.mp4")));
        // The CLI prints this message on its one "interrupted (SIGNAL): ..." line.
        Assert.StartsWith("label stopped after ", stopped.Message);
        Assert.Contains($"{annotated} (", stopped.Message);
    }

    [Fact]
    public async Task Annotate_WebmWithoutAVpEncoder_OneLineAndNoPartialFiles()
    {
        string video = TestVideos.Write(_dir, "clip.avi", 4);
        string rows = Path.Combine(_dir, "clip.jsonl");
        string annotated = Path.Combine(_dir, "clip.webm");
        try
        {
            await LabelRunner.RunAsync(new HashModel(ObservationSize), new PreprocessOptions(), Request(video, rows, annotated),
                TextWriter.Null, TextWriter.Null, showProgress: false, CancellationToken.None);
            Assert.Equal(4, Decode(annotated).Frames); // this FFmpeg has a VP9 or VP8 encoder
        }
        catch (AgentRnn.Core.AgentException e)
        {
            output.WriteLine(e.Message);
            Assert.StartsWith(annotated + ": cannot write the annotated video", e.Message);
            Assert.Contains("tried VP90, VP80", e.Message);
            Assert.Empty(Directory.GetFiles(_dir, "*partial*"));
            Assert.False(File.Exists(rows));
        }
    }

    [Theory]
    [InlineData(new[] { 0.1f, 0.5f, 0.2f, 0.2f }, new[] { 1, 2, 3 })]
    [InlineData(new[] { 0.9f, 0.1f }, new[] { 0, 1 })]
    [InlineData(new[] { float.NaN, 0.3f, 0.7f, 0f }, new[] { 2, 1, 3 })]
    public void TopK_BestFirstTiesToTheLowerIndex(float[] probs, int[] expected)
    {
        var scores = new float[3];
        var indices = new int[3];
        int count = Annotator.TopK(probs, scores, indices);
        Assert.Equal(expected, indices[..count]);
    }

    /// <summary>Stands for Ctrl+C: cancels the run after a number of model steps.</summary>
    private sealed class CancellingModel(IBatchModel inner, CancellationTokenSource cancel, int afterSteps) : IBatchModel
    {
        private int _steps;

        public int ObservationSize => inner.ObservationSize;

        public int ActionCount => inner.ActionCount;

        public void Step(ReadOnlySpan<byte> frames, ReadOnlySpan<int> streams, ReadOnlySpan<float> episodeStarts,
            Span<float> probs, Span<float> values, Span<int> actions, int batch)
        {
            inner.Step(frames, streams, episodeStarts, probs, values, actions, batch);
            if (++_steps == afterSteps)
            {
                cancel.Cancel();
            }
        }
    }
}
