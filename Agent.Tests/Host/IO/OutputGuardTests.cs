using System.Diagnostics;
using AgentRnn.Core;
using AgentRnn.Host.IO;

namespace AgentRnn.Tests.Host.IO;

public sealed class OutputGuardTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("agentrnn-guard-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string File(string name, string content = "data")
    {
        string path = Path.Combine(_dir, name);
        System.IO.File.WriteAllText(path, content);
        return path;
    }

    private string In(string name) => Path.Combine(_dir, name);

    private static void MkFifo(string path)
    {
        using Process mkfifo = Process.Start("mkfifo", [path])!;
        Assert.True(mkfifo.WaitForExit(10_000));
        Assert.Equal(0, mkfifo.ExitCode);
    }

    private static OutputGuard Guard(params (string Path, string Role)[] inputs)
    {
        var guard = new OutputGuard();
        foreach ((string path, string role) in inputs)
        {
            guard.Input(path, role);
        }
        return guard;
    }

    private static string Refused(Action act, string expected)
    {
        var e = Assert.Throws<OutputPathException>(act);
        Assert.IsAssignableFrom<AgentException>(e);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e.Message;
    }

    [Fact]
    public void Output_NewPathAndExistingRegularFile_AreAccepted()
    {
        OutputGuard guard = Guard((File("v.mp4"), "video"));
        Assert.Equal(In("rows.jsonl"), guard.Output(In("rows.jsonl"), "labels output"));
        string old = File("old.csv");
        Assert.Equal(old, guard.Output(old, "segments output"));
    }

    [Fact]
    public void Output_SameAsModel_IsRefusedNamingBoth()
    {
        string model = File("m.safetensors");
        OutputGuard guard = Guard((File("v.mp4"), "video"), (model, "model"));
        string message = Refused(() => guard.Output(model, "labels output"), "the labels output would replace the input model");
        Assert.StartsWith(model, message);
        Assert.Equal("data", System.IO.File.ReadAllText(model));
    }

    [Fact]
    public void Output_DotDotSpellingOfInput_IsRefused()
    {
        string classes = File("cls.txt");
        Directory.CreateDirectory(In("sub"));
        OutputGuard guard = Guard((classes, "classes file"));
        Refused(() => guard.Output(Path.Combine(_dir, "sub", "..", "cls.txt"), "labels output"), "would replace the input classes file");
    }

    [Fact]
    public void Output_SymlinkToInput_IsRefused()
    {
        string video = File("v2.mp4");
        string link = In("v2link.mp4");
        System.IO.File.CreateSymbolicLink(link, video);
        // Input through the link, output by its real name: the case that destroyed a video.
        OutputGuard guard = Guard((link, "video"));
        Refused(() => guard.Output(video, "annotated video"), "(the same file as " + link + ")");
        // And the other way round.
        OutputGuard reverse = Guard((video, "video"));
        Refused(() => reverse.Output(link, "annotated video"), "would replace the input video");
    }

    [Fact]
    public void Output_HardLinkToInput_IsRefused()
    {
        string model = File("m.safetensors");
        string hard = In("hard.safetensors");
        using (Process ln = Process.Start("ln", [model, hard])!)
        {
            Assert.True(ln.WaitForExit(10_000));
        }
        OutputGuard guard = Guard((model, "model"));
        Refused(() => guard.Output(hard, "labels output"), "would replace the input model");
    }

    [Fact]
    public void Output_SymlinkedDirectoryToInput_IsRefused()
    {
        string model = File("m.safetensors");
        string dirLink = In("alias");
        Directory.CreateSymbolicLink(dirLink, _dir);
        OutputGuard guard = Guard((model, "model"));
        Refused(() => guard.Output(Path.Combine(dirLink, "m.safetensors"), "labels output"), "would replace the input model");
    }

    [Fact]
    public void Output_TwoOutputsOnOnePath_IsRefused()
    {
        OutputGuard guard = Guard();
        guard.Output(In("rows.jsonl"), "labels output");
        Refused(() => guard.Output(In("rows.jsonl"), "segments output"), "the segments output is also the labels output");
        string existing = File("x.csv");
        guard.Output(existing, "report");
        Refused(() => guard.Output(existing, "segments output"), "is also the report");
    }

    [Fact]
    public void Output_Fifo_IsRefused()
    {
        string fifo = In("pipe");
        MkFifo(fifo);
        Refused(() => Guard().Output(fifo, "labels output"), "is a FIFO (named pipe), not a regular file");
    }

    [Fact]
    public void Output_CharacterDevice_IsRefused() =>
        Refused(() => Guard().Output("/dev/full", "labels output"), "/dev/full: is a character device, not a regular file");

    [Fact]
    public void Output_Directory_IsRefused() =>
        Refused(() => Guard().Output(_dir, "labels output"), "is a directory");

    [Fact]
    public void Output_PartialFileIsALinkToTheModel_IsRefused()
    {
        // Writing OUT.partial would follow the link and truncate the model.
        string model = File("m.safetensors");
        System.IO.File.CreateSymbolicLink(In("rows.jsonl.partial"), model);
        OutputGuard guard = Guard((model, "model"));
        Refused(() => guard.Output(In("rows.jsonl"), "labels output"), "the labels output's partial file would replace the input model");
    }

    [Fact]
    public void Output_PartialFileIsAFifo_IsRefused()
    {
        MkFifo(In("rows.jsonl.partial"));
        Refused(() => Guard().Output(In("rows.jsonl"), "labels output"), "rows.jsonl.partial: is a FIFO");
    }

    [Fact]
    public void FileStat_KindsAndIdentity()
    {
        string a = File("a");
        string link = In("a.link");
        System.IO.File.CreateSymbolicLink(link, a);
        Assert.Equal(FileKind.Regular, FileStat.Of(a).Kind);
        Assert.Equal(FileKind.Regular, FileStat.Of(link).Kind);
        Assert.Equal(FileKind.SymbolicLink, FileStat.Of(link, followLinks: false).Kind);
        Assert.Equal(FileKind.Directory, FileStat.Of(_dir).Kind);
        Assert.Equal(FileKind.Missing, FileStat.Of(In("nope")).Kind);
        Assert.Equal(FileKind.Missing, FileStat.Of(Path.Combine(a, "under-a-file")).Kind);
        Assert.Equal(FileKind.CharacterDevice, FileStat.Of("/dev/null").Kind);
        Assert.True(FileStat.Of(a).SameFileAs(FileStat.Of(link)));
        Assert.False(FileStat.Of(a).SameFileAs(FileStat.Of(File("b"))));
        Assert.NotEqual(0UL, FileStat.Of(a).Inode);
    }
}
