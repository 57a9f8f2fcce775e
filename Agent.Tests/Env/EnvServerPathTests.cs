using System.Net.Sockets;
using AgentRnn.Core;
using AgentRnn.Host.Env;
using AgentRnn.Host.Env.Samples;

namespace AgentRnn.Tests.Env;

/// <summary>What EnvServer does with whatever already sits at a unix: address.</summary>
public sealed class EnvServerPathTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("agentrnn-envpath-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static EnvServer NewServer() => new(() => new SyncVectorEnv([new CueMemoryEnv(8, 8, 1)], AutoresetMode.NextStep));

    [Fact]
    public void Start_UnixPathIsARegularFile_FailsAndKeepsTheFile()
    {
        string path = Path.Combine(_dir, "precious.txt");
        File.WriteAllText(path, "keep me");
        using EnvServer server = NewServer();
        var e = Assert.Throws<EnvException>(() => server.Start(EnvAddress.Unix(path)));
        Assert.IsAssignableFrom<AgentException>(e);
        Assert.Contains("cannot listen on unix:" + path, e.Message);
        Assert.Equal("keep me", File.ReadAllText(path));
    }

    [Fact]
    public void Start_UnixPathIsAStaleSocket_ReplacesItAndServes()
    {
        string path = Path.Combine(_dir, "stale.sock");
        // A process that bound the path and died leaves the socket file behind (.NET would unlink it on Dispose).
        using (var python = System.Diagnostics.Process.Start("/usr/bin/python3", ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", path]))
        {
            Assert.True(python.WaitForExit(20_000));
            Assert.Equal(0, python.ExitCode);
        }
        Assert.True(File.Exists(path));
        using EnvServer server = NewServer();
        server.Start(EnvAddress.Unix(path));
        using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        client.Connect(new UnixDomainSocketEndPoint(path));
        Assert.True(client.Connected);
    }

    [Fact]
    public void Dispose_AfterServingOnUnixPath_RemovesOnlyItsSocket()
    {
        string path = Path.Combine(_dir, "own.sock");
        EnvServer server = NewServer();
        server.Start(EnvAddress.Unix(path));
        server.Dispose();
        Assert.False(File.Exists(path));
    }
}
