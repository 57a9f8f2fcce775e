using System.Diagnostics;
using System.Security.Cryptography;
using AgentRnn.Cli;
using AgentRnn.Tests.Host.Label;

namespace AgentRnn.Tests.Host.Safety;

/// <summary>
/// `agent label` never writes over an input, another output or a special file: each case is refused with one line
/// and exit 1 before anything is decoded (the "video" is not even a video, so decoding would have failed differently),
/// and every input is byte for byte unchanged afterwards.
/// </summary>
public sealed class OutputSafetyTests : IDisposable
{
    private readonly string _dir = TestVideos.Directory();
    private readonly string _model;
    private readonly string _video;

    public OutputSafetyTests()
    {
        _model = Path.Combine(_dir, "m.safetensors");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fixtures", "models", "cleanrl.safetensors"), _model);
        _video = Path.Combine(_dir, "v2.mp4");
        File.WriteAllText(_video, "not a video: an output check that came after decoding would fail on this instead");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string In(string name) => Path.Combine(_dir, name);

    private static async Task<(int Code, string Stdout, string Stderr)> AgentAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await AgentCli.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string Hash(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));

    private static void Run(string file, params string[] args)
    {
        using Process process = Process.Start(file, args)!;
        Assert.True(process.WaitForExit(10_000));
        Assert.Equal(0, process.ExitCode);
    }

    private async Task<string> RefusedAsync(string[] args, string expected, params string[] unchanged)
    {
        string[] before = unchanged.Select(Hash).ToArray();
        var (code, stdout, stderr) = await AgentAsync(args);
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
        Assert.Equal(before, unchanged.Select(Hash).ToArray());
        Assert.Empty(Directory.GetFiles(_dir, "*partial*"));
        return line;
    }

    [Theory]
    [InlineData("--out")]
    [InlineData("--segments")]
    public async Task Label_OutputIsTheModel_RefusedModelKept(string option)
    {
        await RefusedAsync(["label", _video, "--model", _model, option, _model, "--format", "jsonl"],
            "would replace the input model", _model, _video);
    }

    [Fact]
    public async Task Label_OutputIsTheClassesFile_RefusedClassesKept()
    {
        string classes = In("cls.txt");
        File.WriteAllLines(classes, ["a", "b", "c", "d", "e", "f"]);
        await RefusedAsync(["label", _video, "--model", _model, "--classes-file", classes, "--out", classes, "--format", "csv"],
            "would replace the input classes file", classes, _model);
    }

    [Fact]
    public async Task Label_AnnotateOverTheVideoThroughASymlink_RefusedVideoKept()
    {
        string link = In("v2link.mp4");
        File.CreateSymbolicLink(link, _video);
        string line = await RefusedAsync(["label", link, "--model", _model, "--annotate", _video],
            "the annotated video would replace the input video", _video);
        Assert.Contains("the same file as", line);
    }

    [Fact]
    public async Task Label_OutputIsAHardLinkOfTheModel_Refused()
    {
        string hard = In("rows.jsonl");
        Run("ln", _model, hard);
        await RefusedAsync(["label", _video, "--model", _model, "--out", hard], "would replace the input model (the same file as", _model);
    }

    [Fact]
    public async Task Label_ReportPngIsTheModel_Refused()
    {
        // OUT.html writes OUT.png beside it: that PNG path is guarded too.
        Run("ln", _model, In("r.png"));
        await RefusedAsync(["label", _video, "--model", _model, "--report", In("r.html")], "the report's PNG would replace the input model", _model);
    }

    [Fact]
    public async Task Label_OutDirOutputIsASymlinkToTheModel_Refused()
    {
        string other = In("w.mp4");
        File.WriteAllText(other, "also not a video");
        string dir = In("rows");
        Directory.CreateDirectory(dir);
        File.CreateSymbolicLink(Path.Combine(dir, "v2.jsonl"), _model);
        await RefusedAsync(["label", _video, other, "--model", _model, "--out-dir", dir], "would replace the input model", _model);
    }

    [Fact]
    public async Task Label_OutputIsADevice_RefusedNothingWrittenBesideIt()
    {
        await RefusedAsync(["label", _video, "--model", _model, "--out", "/dev/full", "--format", "csv"], "/dev/full: is a character device");
        Assert.False(File.Exists("/dev/full.partial"));
        Assert.True(new FileInfo("/dev/full").Attributes.HasFlag(FileAttributes.Device) || File.Exists("/dev/full"));
    }

    [Fact]
    public async Task Label_OutputIsAFifo_RefusedFifoStays()
    {
        string fifo = In("rows.csv");
        Run("mkfifo", fifo);
        await RefusedAsync(["label", _video, "--model", _model, "--annotate", In("a.mp4"), "--out", fifo], "is a FIFO (named pipe)");
        Assert.Equal(AgentRnn.Host.IO.FileKind.Fifo, AgentRnn.Host.IO.FileStat.Of(fifo).Kind);
    }

    [Fact]
    public async Task Label_PartialFileIsASymlinkToTheModel_Refused()
    {
        // The output is new, but the file written first (OUT.partial) leads to the model.
        File.CreateSymbolicLink(In("rows.jsonl.partial"), _model);
        string before = Hash(_model);
        var (code, _, stderr) = await AgentAsync(["label", _video, "--model", _model, "--out", In("rows.jsonl")]);
        Assert.Equal(1, code);
        Assert.Contains("the rows file's partial file would replace the input model", stderr);
        Assert.Equal(before, Hash(_model));
    }

    [Fact]
    public async Task Label_AnnotatedPartialIsADirectory_Refused()
    {
        // An annotated copy is written to NAME.partial.mp4 (the container follows the extension): guarded too.
        Directory.CreateDirectory(In("a.partial.mp4"));
        await RefusedAsync(["label", _video, "--model", _model, "--annotate", In("a.mp4")], "a.partial.mp4: is a directory");
    }

    [Theory]
    [InlineData("label", "--model", "model")]
    [InlineData("label", "--classes-file", "classes file")]
    [InlineData("label", "VIDEO", "video")]
    [InlineData("inspect", "MODEL", "model")]
    [InlineData("bench", "--model", "model")]
    public async Task Inputs_FifoOrDevice_RefusedInsteadOfBlockingOrReadingForever(string command, string option, string role)
    {
        // A FIFO with no writer would block the open; /dev/zero as a classes file would be read until memory ran out.
        string fifo = In("input.fifo");
        Run("mkfifo", fifo);
        foreach (string input in new[] { fifo, "/dev/zero" })
        {
            string[] args = (command, option) switch
            {
                ("label", "VIDEO") => ["label", input, "--model", _model],
                ("label", _) => ["label", _video, "--model", _model, option, input],
                ("inspect", _) => ["inspect", input],
                _ => ["bench", "--model", input, "--frames", "4"],
            };
            if (option == "--model" && command == "label")
            {
                args = ["label", _video, "--model", input];
            }
            var (code, _, stderr) = await AgentAsync(args).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(1, code);
            string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Equal($"error: {input}: is {(input == fifo ? "a FIFO (named pipe)" : "a character device")}, not a regular file; the {role} must be a regular file", line);
        }
    }

    public static TheoryData<string[]> UnknownOptionCommands => new()
    {
        new[] { "label", "v.mp4", "--model", "m.safetensors", "--bogus" },
        new[] { "label", "--bogus", "v.mp4", "--model", "m.safetensors" },
        new[] { "inspect", "m.safetensors", "--bogus" },
        new[] { "inspect", "--bogus" },
        new[] { "run", "--env", "tcp://127.0.0.1:9", "--bogus" },
        new[] { "bench", "--bogus" },
        new[] { "bench", "--bogus=3" },
        new[] { "label", "v.mp4", "--model", "m.safetensors", "--bogus=x" },
        new[] { "probe", "v.mp4", "--bogus" },
        new[] { "devices", "--bogus" },
        new[] { "train", "ppo", "--env", "tcp://127.0.0.1:9", "--out", "m.safetensors", "--bogus" },
        new[] { "silo", "--redis", "127.0.0.1:9", "--bogus" },
        new[] { "cluster-bench", "--gateway", "127.0.0.1:9", "--bogus" },
        new[] { "--bogus" },
    };

    [Theory]
    [MemberData(nameof(UnknownOptionCommands))]
    public async Task EveryCommand_UnknownOption_OneLineExit2(string[] args)
    {
        var (code, stdout, stderr) = await AgentAsync(args);
        Assert.Equal(AgentCli.UsageError, code);
        Assert.Equal("", stdout);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: unknown option --bogus", line);
        string[] command = args.TakeWhile(a => !a.StartsWith('-') && a != "v.mp4" && a != "m.safetensors").ToArray();
        Assert.EndsWith($"(see '{string.Join(' ', ["agent", .. command])} --help')", line);
    }

    [Theory]
    [InlineData("run", "--env", "tcp://127.0.0.1:9", "--seed", "-3")]
    [InlineData("label", "v.mp4", "--model", "m", "--", "-odd.mp4")]
    [InlineData("label", "-", "--model", "m")]
    public void UnknownOptions_NegativeNumbersAndArgumentsAfterDoubleDash_AreNotOptions(params string[] args)
    {
        Assert.Empty(AgentCli.UnknownOptions(AgentCli.Build().Parse(args)));
    }
}
