using System.Diagnostics;
using AgentRnn.Tests.Host.Label;
using AgentRnn.Vision;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Safety;

/// <summary>
/// Real signals and a real closed pipe sent to a child `agent label`: the run stops, finalises every output it wrote
/// (rows and segments kept, the annotated copy closed playable or removed, no partial file left), and says so in one
/// line. No timing is asserted: each test waits for evidence that labelling is under way before it interrupts, on a
/// video far longer than the time that takes.
/// </summary>
public sealed class SignalTests(ITestOutputHelper output) : IDisposable
{
    private const int Frames = 3000;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(120);
    private readonly string _dir = TestVideos.Directory();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string In(string name) => Path.Combine(_dir, name);

    private static string Model => Path.Combine(AppContext.BaseDirectory, "Fixtures", "models", "cleanrl.safetensors");

    /// <summary>
    /// Starts `agent` with SIGINT and SIGTERM at their default actions (a test host started in the background may
    /// ignore SIGINT, and an ignored signal stays ignored across exec), so the signal reaches agent's handler.
    /// </summary>
    private static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/python3",
        [
            "-c", "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); signal.signal(signal.SIGTERM, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])",
            "dotnet", Path.Combine(AppContext.BaseDirectory, "agent.dll"), .. args,
        ])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        return Process.Start(start)!;
    }

    private static async Task WaitUntilAsync(Func<bool> condition, Process process, string what)
    {
        using var timeout = new CancellationTokenSource(Limit);
        while (!condition())
        {
            if (process.HasExited)
            {
                Assert.Fail($"agent ended (exit {process.ExitCode}) before {what}: {process.StandardError.ReadToEnd()}");
            }
            await Task.Delay(50, timeout.Token);
        }
    }

    private static long Size(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    private static int Lines(string path) => File.ReadAllLines(path).Length;

    // stderr's lines, less label's "label: ..." notices (the annotated copy's codec when it is not H.264).
    private static string[] InterruptLines(string stderr) =>
        [.. stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("label: ", StringComparison.Ordinal))];

    private static int VideoFrames(string path)
    {
        using VideoSource source = VideoSource.Open(path, new VideoSourceOptions { Format = PixelFormat.Bgr });
        var frame = new byte[source.FrameBytes];
        int n = 0;
        while (source.Read(frame, out _))
        {
            n++;
        }
        return n;
    }

    private async Task<(int Code, string Stderr)> EndAsync(Process process)
    {
        using var timeout = new CancellationTokenSource(Limit);
        Task<string> stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        string text = await stderr;
        output.WriteLine($"exit {process.ExitCode}: {text}");
        return (process.ExitCode, text);
    }

    [Theory]
    [InlineData("TERM", 15, 143)]
    [InlineData("INT", 2, 130)]
    public async Task Label_SignalWhileLabelling_OneLineNamingIt_EveryOutputFinalised(string name, int signal, int exit)
    {
        string video = TestVideos.Write(_dir, "long.avi", Frames, width: 96, height: 72);
        string rows = In("rows.jsonl");
        using Process agent = Start("label", video, "--model", Model, "--out", rows, "--segments", In("seg.csv"), "--annotate", In("ann.mp4"));
        // Rows reach the partial file as they are labelled: a few hundred bytes means labelling is under way.
        await WaitUntilAsync(() => Size(rows + ".partial") > 500, agent, "labelling started");
        Assert.Equal(0, Kill(agent.Id, signal));

        (int code, string stderr) = await EndAsync(agent);

        Assert.Equal(exit, code);
        // One line about the interruption (a "label: ..." notice of the annotated copy's codec may precede it).
        string line = Assert.Single(InterruptLines(stderr));
        Assert.StartsWith($"interrupted (SIG{name}): label stopped after ", line);
        Assert.DoesNotContain("Ctrl+C", line);
        int labelled = Lines(rows);
        Assert.InRange(labelled, 1, Frames - 1);
        Assert.Contains($"kept: {rows}", line);
        Assert.True(File.Exists(In("seg.csv")));
        // The annotated copy was written in the same pass: closed playable up to the last labelled frame, and named.
        if (File.Exists(In("ann.mp4")))
        {
            Assert.InRange(VideoFrames(In("ann.mp4")), 1, labelled);
            Assert.Contains($"{In("ann.mp4")} (", line);
        }
        else
        {
            Assert.DoesNotContain(In("ann.mp4"), line);
        }
        Assert.Empty(Directory.GetFiles(_dir, "*partial*"));
    }

    [Fact]
    public async Task Label_SigintWhileAnnotating_AnnotatedCopyPlayableUpToTheFrameReached()
    {
        string video = TestVideos.Write(_dir, "long.avi", Frames, width: 160, height: 120);
        string annotated = In("ann.mp4");
        using Process agent = Start("label", video, "--model", Model, "--out", In("rows.csv"), "--annotate", annotated);
        // The annotated copy grows as its frames are encoded: past 64 KB, annotation is under way.
        await WaitUntilAsync(() => Size(Path.ChangeExtension(annotated, ".partial.mp4")) > 64 << 10, agent, "annotation started");
        Assert.Equal(0, Kill(agent.Id, 2));

        (int code, string stderr) = await EndAsync(agent);

        Assert.Equal(130, code);
        string line = Assert.Single(InterruptLines(stderr));
        Assert.StartsWith("interrupted (SIGINT): ", line);
        int written = VideoFrames(annotated);
        Assert.InRange(written, 1, Frames - 1);
        Assert.Contains($"{annotated} (", line);
        Assert.Contains($", {written} frames)", line);
        Assert.Empty(Directory.GetFiles(_dir, "*partial*"));
    }

    [Fact]
    public async Task Label_StdoutClosedByItsReader_StopsAndFinalises()
    {
        string video = TestVideos.Write(_dir, "long.avi", Frames, width: 96, height: 72);
        string segments = In("seg.csv");
        using Process agent = Start("label", video, "--model", Model, "--segments", segments);
        string? first = await agent.StandardOutput.ReadLineAsync();
        Assert.StartsWith("{\"frame\":0,", first);
        // As `| head -1` does: read one row, then close the pipe.
        agent.StandardOutput.Close();

        (int code, string stderr) = await EndAsync(agent);

        Assert.Equal(141, code);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("stdout was closed by its reader (broken pipe)", line);
        // Stopped early: the segments file is finalised and ends before the video does.
        string[] csv = File.ReadAllLines(segments);
        int lastFrame = int.Parse(csv[^1].Split(',')[2], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(lastFrame, 0, Frames - 2);
        Assert.Empty(Directory.GetFiles(_dir, "*partial*"));
    }

    [Fact]
    public async Task Run_SigtermWhileBlockedOnASilentEnv_EndsAfterTheGracePeriodWithOneLine()
    {
        // The handshake waits on a socket no token reaches (--timeout 300): the signal must still end the process.
        using var connected = new ManualResetEventSlim();
        using var server = new Env.FakeEnvServer((socket, stop) =>
        {
            Env.FakeEnvServer.ReadHello(socket);
            connected.Set();
            Env.FakeEnvServer.Linger(socket, stop);
        });
        using Process agent = Start("run", "--env", server.Address.ToString(), "--timeout", "300", "--episodes", "1");
        await WaitUntilAsync(() => connected.IsSet, agent, "it connected");
        Assert.Equal(0, Kill(agent.Id, 15));

        (int code, string stderr) = await EndAsync(agent);

        Assert.Equal(143, code);
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            $"interrupted (SIGTERM): did not stop within {AgentRnn.Cli.SignalWatcher.GraceSeconds} s; ended without finalising its outputs",
            Assert.Single(lines));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
