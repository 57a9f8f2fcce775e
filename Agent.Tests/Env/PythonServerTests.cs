using System.Net.Sockets;
using AgentRnn.Host.Env;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Env;

/// <summary>The C# client against envs/serve.py running as a real subprocess.</summary>
public sealed class PythonServerTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly string _dir = EnvTestSupport.TempDir();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string LogPath => Path.Combine(_dir, "episodes.jsonl");

    private string Kwargs(string extra = "") => $"{{\"log\": \"{LogPath}\"{extra}}}";

    private void AssertMatchesLog(RunReport report, double tolerance = 0)
    {
        List<LoggedEpisode> logged = LoggedEpisode.Read(LogPath);
        Assert.True(logged.Count >= report.Episodes.Count, $"the env logged {logged.Count} episodes, the runner {report.Episodes.Count}");
        double worst = 0;
        for (int i = 0; i < report.Episodes.Count; i++)
        {
            EpisodeRecord mine = report.Episodes[i];
            LoggedEpisode theirs = logged[i];
            worst = Math.Max(worst, Math.Abs(mine.Return - theirs.Return));
            Assert.Equal(theirs.Length, mine.Length);
            Assert.Equal(theirs.Terminated, mine.Terminated);
            Assert.Equal(theirs.Truncated, mine.Truncated);
        }
        output.WriteLine($"{report.Episodes.Count} episodes; worst |return - logged return| = {worst:G3} (tolerance {tolerance})");
        Assert.True(worst <= tolerance, $"returns differ from the env's log by {worst}");
    }

    [Fact]
    public void Run_CueMemoryOverTcp_ReturnsMatchEnvLog()
    {
        using var server = new PythonEnvServer("samples.cue_memory:make", Kwargs());
        using SocketVectorEnv env = SocketVectorEnv.Connect(server.Address, Timeout);
        Assert.Equal("Box(0, 255, (84, 84, 3), uint8)", env.Spec.ObservationSpace.ToString());
        Assert.Equal("Discrete(2)", env.Spec.ActionSpace.ToString());

        RunReport report = EpisodeRunner.Run(env, ScriptedPolicy.Constant(1), episodes: 6, seed: 11);

        Assert.Equal(6, report.Episodes.Count);
        Assert.All(report.Episodes, e => Assert.Equal(5, e.Length));
        Assert.Contains(report.Episodes, e => e.Return == 1);
        Assert.Contains(report.Episodes, e => e.Return == -1);
        AssertMatchesLog(report);
    }

    [Fact]
    public void Run_VectorEnvNextStepAutoreset_ReturnsMatchEnvLogAndStartsFlagResets()
    {
        using var server = new PythonEnvServer("samples.cue_memory:make", Kwargs(", \"delay\": 2, \"height\": 16, \"width\": 16"), numEnvs: 4);
        using SocketVectorEnv env = SocketVectorEnv.Connect(server.Address, Timeout);
        Assert.Equal(4, env.Spec.NumEnvs);
        Assert.Equal(AutoresetMode.NextStep, env.Spec.Autoreset);
        ScriptedPolicy policy = ScriptedPolicy.Constant(0);

        RunReport report = EpisodeRunner.Run(env, policy, episodes: 10, seed: 3);

        AssertMatchesLog(report);
        // Every env's episode is 3 steps, then one reset step: the policy sees a start at calls 0, 4, 8, ...
        for (int call = 0; call < policy.Starts.Count; call++)
        {
            Assert.All(policy.Starts[call], s => Assert.Equal(call % 4 == 0, s));
        }
    }

    [Fact]
    public void Step_SameStepAutoreset_CarriesFinalObservationAndStartsNewEpisode()
    {
        using var server = new PythonEnvServer("samples.cue_memory:make", Kwargs(", \"delay\": 1, \"height\": 12, \"width\": 12"), numEnvs: 2, autoreset: "same-step");
        using SocketVectorEnv env = SocketVectorEnv.Connect(server.Address, Timeout);
        Assert.Equal(AutoresetMode.SameStep, env.Spec.Autoreset);
        var result = new VectorStep(env.Spec);
        var actions = new SpaceBatch(env.Spec.ActionSpace, 2);
        env.Reset(5, [], null, result);
        env.Step(actions, result);
        Assert.False(result.IsDone(0));
        env.Step(actions, result);

        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(StepFlags.Terminated | StepFlags.FinalObservation | StepFlags.EpisodeStart, result.Flags[i]);
            // The episode's last frame is blank (all 0x20); the new episode's first frame shows a cue.
            Assert.All(result.FinalObservations.Single.RowBytes(i).ToArray(), b => Assert.Equal(0x20, b));
            Assert.Contains(result.Observations.Single.RowBytes(i).ToArray(), b => b == 255 || b == 64);
            Assert.True(result.Info(i).GetProperty("final_info").GetProperty("episode").GetProperty("r").GetDouble() == result.Rewards[i]);
        }
    }

    [Fact]
    public void Run_PointReachOverUnixSocket_ReturnsMatchEnvLog()
    {
        string socketPath = Path.Combine(_dir, "env.sock");
        using var server = new PythonEnvServer("samples.point_reach:make", Kwargs(", \"max_steps\": 12"), numEnvs: 2, unixPath: socketPath);
        Assert.True(server.Address.IsUnix);
        using SocketVectorEnv env = SocketVectorEnv.Connect(server.Address, Timeout);
        Assert.Equal("Box(-1, 1, (2), float32)", env.Spec.ActionSpace.ToString());

        RunReport report = EpisodeRunner.Run(env, ScriptedPolicy.Chase(), episodes: 8, seed: 1);

        Assert.Contains(report.Episodes, e => e.Terminated);
        AssertMatchesLog(report, tolerance: 1e-9);
    }

    [Fact]
    public void Run_DisabledAutoreset_MaskedResetsRestartFinishedEnvs()
    {
        using var server = new PythonEnvServer("samples.point_reach:make", Kwargs(", \"max_steps\": 5"), numEnvs: 3, autoreset: "disabled");
        using SocketVectorEnv env = SocketVectorEnv.Connect(server.Address, Timeout);
        Assert.Equal(AutoresetMode.Disabled, env.Spec.Autoreset);

        RunReport report = EpisodeRunner.Run(env, ScriptedPolicy.Chase(), episodes: 9, seed: 4);

        AssertMatchesLog(report, tolerance: 1e-9);
    }

    [Fact]
    public void Serve_ClientVanishesMidEpisodeAndMidMessage_KeepsServing()
    {
        using var server = new PythonEnvServer("samples.cue_memory:make", Kwargs(", \"height\": 8, \"width\": 8"));
        using (SocketVectorEnv first = SocketVectorEnv.Connect(server.Address, Timeout))
        {
            var result = new VectorStep(first.Spec);
            first.Reset(null, [], null, result);
            first.Step(new SpaceBatch(first.Spec.ActionSpace, 1), result);
        }
        using (var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            raw.Connect("127.0.0.1", server.Address.Port);
            var writer = new WireWriter();
            MessageCodec.WriteHello(writer, EnvProtocol.DefaultMaxMessageSize);
            raw.Send(writer.Written);
            MessageCodec.WriteReset(writer, 1, [], null);
            raw.Send(writer.Written[..7]);
        }

        using SocketVectorEnv again = SocketVectorEnv.Connect(server.Address, Timeout);
        RunReport report = EpisodeRunner.Run(again, ScriptedPolicy.Constant(0), episodes: 2, seed: 2);

        Assert.Equal(2, report.Episodes.Count);
        Assert.False(server.HasExited);
    }

    [Fact]
    public void Handshake_ClientSpeaksAnotherVersion_ServerExplainsMismatch()
    {
        using var server = new PythonEnvServer("samples.cue_memory:make", Kwargs());
        using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        raw.Connect("127.0.0.1", server.Address.Port);
        var connection = new FramedConnection(raw, "serve.py", EnvProtocol.DefaultMaxMessageSize, Timeout);
        var writer = new WireWriter();
        MessageCodec.WriteHello(writer, EnvProtocol.DefaultMaxMessageSize, version: 99);
        connection.Send(writer);

        Assert.Equal(MessageType.Error, connection.Receive("ERROR"));
        (ushort code, string text) = MessageCodec.ReadError(connection.Payload);

        output.WriteLine(text);
        Assert.Equal((ushort)EnvErrorCode.VersionMismatch, code);
        Assert.Contains("version 99", text);
        Assert.Contains($"version {EnvProtocol.Version}", text);
    }

    [Fact]
    public void PythonDecoderFuzz_TwelveThousandCases_NoCrashHangOrGrowth()
    {
        (int code, string stdout, string stderr) = EnvTestSupport.RunPython(TimeSpan.FromMinutes(2), "envs/tests/fuzz_decoder.py", "--cases", "12000");
        string last = stdout.TrimEnd().Split('\n')[^1];
        output.WriteLine(last);
        Assert.True(code == 0, $"fuzz_decoder.py exited {code}: {stdout} {stderr}");
        Assert.StartsWith("fuzz_decoder: ok cases=12000 ", last);
    }
}
