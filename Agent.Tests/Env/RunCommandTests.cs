using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using AgentRnn.Core.Spaces;
using AgentRnn.Cli;
using AgentRnn.Host.Env;
using AgentRnn.Host.Models;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Env;

/// <summary>`agent run` end to end: against envs/serve.py, and against broken servers.</summary>
public sealed class RunCommandTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = EnvTestSupport.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string LogPath => Path.Combine(_dir, "episodes.jsonl");

    private static async Task<(int Code, string Stdout, string Stderr)> Agent(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await AgentCli.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private void AssertJsonMatchesLog(string stdout, int episodes)
    {
        string last = stdout.TrimEnd().Split('\n')[^1];
        using JsonDocument doc = JsonDocument.Parse(last);
        JsonElement[] reported = doc.RootElement.GetProperty("episodes").EnumerateArray().ToArray();
        Assert.Equal(episodes, reported.Length);
        Assert.True(doc.RootElement.GetProperty("steps").GetInt64() > 0);
        Assert.True(doc.RootElement.GetProperty("fps").GetDouble() > 0);
        List<LoggedEpisode> logged = LoggedEpisode.Read(LogPath);
        double worst = 0;
        for (int i = 0; i < episodes; i++)
        {
            worst = Math.Max(worst, Math.Abs(reported[i].GetProperty("return").GetDouble() - logged[i].Return));
            Assert.Equal(logged[i].Length, reported[i].GetProperty("length").GetInt32());
            Assert.Equal(logged[i].Terminated, reported[i].GetProperty("terminated").GetBoolean());
            Assert.Equal(logged[i].Truncated, reported[i].GetProperty("truncated").GetBoolean());
        }
        output.WriteLine($"{episodes} episodes; worst |reported - logged| return {worst:G3} (tolerance 1e-9)");
        Assert.True(worst <= 1e-9);
    }

    [Fact]
    public async Task Run_PointReachVectorEnv_JsonReturnsMatchEnvLog()
    {
        using var server = new PythonEnvServer("samples.point_reach:make", $"{{\"log\": \"{LogPath}\", \"max_steps\": 15}}", numEnvs: 3);

        (int code, string stdout, string stderr) = await Agent("run", "--env", server.Address.ToString(), "--episodes", "7", "--seed", "3", "--json");

        Assert.True(code == 0, stderr);
        AssertJsonMatchesLog(stdout, 7);
    }

    [Fact]
    public async Task Run_CueMemoryImagesThroughCnn_JsonReturnsMatchEnvLog()
    {
        using var server = new PythonEnvServer("samples.cue_memory:make", $"{{\"log\": \"{LogPath}\", \"delay\": 1}}");

        (int code, string stdout, string stderr) = await Agent("run", "--env", server.Address.ToString(), "--episodes", "2", "--deterministic", "--json");

        Assert.True(code == 0, stderr);
        AssertJsonMatchesLog(stdout, 2);
    }

    [Fact]
    public async Task Run_ModelFile_PlaysItAndRejectsOneForOtherSpaces()
    {
        using var server = new PythonEnvServer("samples.point_reach:make", $"{{\"log\": \"{LogPath}\", \"max_steps\": 5}}");
        string good = Path.Combine(_dir, "good.safetensors");
        PolicyModel.CreateRandom(ModelConfig.ForVectors(4, ActionSpec.Box(2), hiddenSize: 32), seed: 4).Save(good);
        string other = Path.Combine(_dir, "other.safetensors");
        PolicyModel.CreateRandom(ModelConfig.ForVectors(4, ActionSpec.Discrete(3), hiddenSize: 32), seed: 4).Save(other);

        (int code, string stdout, string stderr) = await Agent("run", "--env", server.Address.ToString(), "--model", good, "--episodes", "2", "--json");
        Assert.True(code == 0, stderr);
        AssertJsonMatchesLog(stdout, 2);

        (code, _, stderr) = await Agent("run", "--env", server.Address.ToString(), "--model", other, "--episodes", "2");
        output.WriteLine(stderr);
        Assert.Equal(1, code);
        Assert.Contains("the model acts in", stderr);
        Assert.Contains("Box(-1, 1, (2), float32)", stderr);
    }

    public static TheoryData<string, string> Faults => new()
    {
        { "garbage", "more than the maximum" },
        { "huge-length", "more than the maximum" },
        { "close-mid-message", "in the middle of a message" },
        { "silent", "did not answer within 3 s" },
        { "refused", "connection refused" },
        { "other-version", "version mismatch" },
        { "error-reply", "reported: no such game" },
        { "stall-after-reset", "did not answer within 3 s (waiting for STEP_RESULT)" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task Run_BrokenEnvServer_FailsWithinTimeoutWithOneLine(string fault, string expected)
    {
        var spec = new EnvSpec(new Box(-1, 1, [4]), new Discrete(2), 1);
        var writer = new WireWriter();
        MessageCodec.WriteSpec(writer, spec, EnvProtocol.DefaultMaxMessageSize);
        byte[] specMessage = writer.Written.ToArray();
        var result = new VectorStep(spec);
        MessageCodec.WriteResetResult(writer, result);
        byte[] resetResult = writer.Written.ToArray();
        Action<Socket, CancellationToken> behaviour = fault switch
        {
            "garbage" => (s, _) => { FakeEnvServer.ReadHello(s); s.Send("HTTP/1.1 400 Bad Request\r\n\r\n"u8); },
            "huge-length" => (s, _) => { FakeEnvServer.ReadHello(s); s.Send([0xFF, 0xFF, 0xFF, 0xFF, 2]); },
            "close-mid-message" => (s, _) => { FakeEnvServer.ReadHello(s); s.Send(specMessage.AsSpan(0, specMessage.Length / 2)); },
            "silent" => (s, stop) => { FakeEnvServer.ReadHello(s); FakeEnvServer.Linger(s, stop); },
            "other-version" => (s, _) => { FakeEnvServer.ReadHello(s); specMessage[5] = 2; s.Send(specMessage); },
            "error-reply" => (s, _) => { FakeEnvServer.ReadHello(s); MessageCodec.WriteError(writer, EnvErrorCode.EnvFailed, "no such game"); s.Send(writer.Written); },
            "stall-after-reset" => (s, stop) =>
            {
                FakeEnvServer.ReadHello(s);
                s.Send(specMessage);
                var request = new byte[64];
                s.Receive(request);
                s.Send(resetResult);
                FakeEnvServer.Linger(s, stop);
            },
            _ => (_, _) => { },
        };
        using var server = new FakeEnvServer(behaviour);
        string address = server.Address.ToString();
        if (fault == "refused")
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            address = $"tcp://127.0.0.1:{((IPEndPoint)probe.LocalEndPoint!).Port}";
        }

        // The stalls are what --timeout must catch (3 s); the other faults get a generous timeout so that a loaded
        // machine (the whole suite runs in parallel) cannot turn them into a time-out before the fault arrives.
        string timeout = fault is "silent" or "stall-after-reset" ? "3" : "20";
        (int code, string stdout, string stderr) = await Agent("run", "--env", address, "--episodes", "1", "--timeout", timeout);

        output.WriteLine(stderr);
        Assert.Equal(1, code);
        string[] lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("playing ", StringComparison.Ordinal)).ToArray();
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        Assert.Contains(expected, lines[0]);
        Assert.Equal("", stdout);
    }

    [Fact]
    public void Policy_EpisodeStart_ResetsThatEnvsMemoryOnly()
    {
        var spec = new EnvSpec(new Box(-10, 10, [4]), new Box(-100, 100, [2]), 2);
        using var policy = new PolicyModelAgent(PolicyModelAgent.CreateModel(spec, seed: 5), spec, deterministic: true, seed: 5);
        var obs = new SpaceBatch(spec.ObservationSpace, 2);
        var actions = new SpaceBatch(spec.ActionSpace, 2);
        float[] x = [0.5f, -0.25f, 1, 2];
        float[] y = [-1, 0.75f, 0, 3];
        void Fill(float[] a, float[] b)
        {
            a.CopyTo(obs.Single.Row<float>(0));
            b.CopyTo(obs.Single.Row<float>(1));
        }

        Fill(x, x);
        policy.Act(obs, [true, true], actions);
        float[] first = actions.Single.Row<float>(0).ToArray();
        for (int t = 0; t < 3; t++)
        {
            Fill(y, y);
            policy.Act(obs, [false, false], actions);
        }
        Fill(x, x);
        policy.Act(obs, [true, false], actions);

        Assert.Equal(first, actions.Single.Row<float>(0).ToArray());
        Assert.NotEqual(first, actions.Single.Row<float>(1).ToArray());
    }

    [Fact]
    public void Policy_EnvMemoryLivesInTheStreamStore()
    {
        // Env i is stream i of the runner's PolicyStreams: resetting stream 1 through the store is env 1's episode start.
        var spec = new EnvSpec(new Box(-10, 10, [4]), new Box(-100, 100, [2]), 2);
        using var policy = new PolicyModelAgent(PolicyModelAgent.CreateModel(spec, seed: 6), spec, deterministic: true, seed: 6);
        Assert.Equal([0L, 1L], policy.Streams.Store.Ids().Order().ToArray());
        var obs = new SpaceBatch(spec.ObservationSpace, 2);
        var actions = new SpaceBatch(spec.ActionSpace, 2);
        float[] x = [0.5f, -0.25f, 1, 2];
        float[] y = [-1, 0.75f, 0, 3];
        void Fill(float[] row)
        {
            row.CopyTo(obs.Single.Row<float>(0));
            row.CopyTo(obs.Single.Row<float>(1));
        }

        Fill(x);
        policy.Act(obs, [true, true], actions);
        float[] first = actions.Single.Row<float>(0).ToArray();
        Fill(y);
        policy.Act(obs, [false, false], actions);
        Assert.True(policy.Streams.Store.Reset(1));
        Fill(x);
        policy.Act(obs, [false, false], actions);

        Assert.Equal(2, policy.Streams.Store.Count);
        Assert.Equal(first, actions.Single.Row<float>(1).ToArray());
        Assert.NotEqual(first, actions.Single.Row<float>(0).ToArray());
    }
}
