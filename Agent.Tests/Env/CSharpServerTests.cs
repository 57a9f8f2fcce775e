using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text.Json;
using AgentRnn.Host.Env;
using AgentRnn.Host.Env.Samples;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Env;

/// <summary>The C# EnvServer serving a C# game to the C# client and to envs/client.py.</summary>
public sealed class CSharpServerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    /// <summary>A server whose connections each get <paramref name="numEnvs"/> CueMemoryEnvs, all remembered for checking.</summary>
    private static (EnvServer Server, ConcurrentQueue<CueMemoryEnv[]> Made) Serve(
        int numEnvs, AutoresetMode mode = AutoresetMode.NextStep, EnvAddress? address = null, int delay = 2, int size = 16)
    {
        var made = new ConcurrentQueue<CueMemoryEnv[]>();
        var server = new EnvServer(() =>
        {
            CueMemoryEnv[] envs = Enumerable.Range(0, numEnvs).Select(_ => new CueMemoryEnv(size, size, delay)).ToArray();
            made.Enqueue(envs);
            return new SyncVectorEnv(envs, mode);
        });
        server.Start(address ?? EnvAddress.Tcp("127.0.0.1", 0));
        return (server, made);
    }

    private static void AssertReturnsMatch(RunReport report, CueMemoryEnv[] envs)
    {
        for (int i = 0; i < envs.Length; i++)
        {
            double[] mine = report.Episodes.Where(e => e.Env == i).Select(e => e.Return).ToArray();
            Assert.Equal(envs[i].EpisodeReturns.Take(mine.Length), mine);
        }
    }

    [Fact]
    public void CSharpClient_AgainstCSharpServer_ReturnsMatchEnvRecords()
    {
        (EnvServer server, ConcurrentQueue<CueMemoryEnv[]> made) = Serve(numEnvs: 3);
        using (server)
        {
            using SocketVectorEnv env = SocketVectorEnv.Connect(server.Address!, Timeout);
            RunReport report = EpisodeRunner.Run(env, ScriptedPolicy.Constant(1), episodes: 9, seed: 7);

            Assert.Equal(9, report.Episodes.Count);
            Assert.All(report.Episodes, e => Assert.Equal(3, e.Length));
            Assert.True(made.TryPeek(out CueMemoryEnv[]? envs));
            AssertReturnsMatch(report, envs!);
        }
    }

    [Fact]
    public void CSharpClient_SameStepAutoresetOverUnixSocket_ReturnsMatchEnvRecords()
    {
        string dir = EnvTestSupport.TempDir();
        try
        {
            (EnvServer server, ConcurrentQueue<CueMemoryEnv[]> made) = Serve(2, AutoresetMode.SameStep, EnvAddress.Unix(Path.Combine(dir, "game.sock")));
            using (server)
            {
                using SocketVectorEnv env = SocketVectorEnv.Connect(server.Address!, Timeout);
                Assert.Equal(AutoresetMode.SameStep, env.Spec.Autoreset);
                RunReport report = EpisodeRunner.Run(env, ScriptedPolicy.Constant(0), episodes: 6, seed: 1);

                Assert.True(made.TryPeek(out CueMemoryEnv[]? envs));
                AssertReturnsMatch(report, envs!);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void PythonClient_AgainstCSharpServer_StepsLearnsAndReturnsMatch()
    {
        (EnvServer server, ConcurrentQueue<CueMemoryEnv[]> made) = Serve(numEnvs: 1, delay: 3, size: 84);
        using (server)
        {
            (int code, string stdout, string stderr) = EnvTestSupport.RunPython(TimeSpan.FromMinutes(2),
                "envs/tests/client_smoke.py", "--address", server.Address!.ToString(), "--episodes", "60", "--learn", "--seed", "3");
            Assert.True(code == 0, $"client_smoke.py exited {code}: {stderr}");

            using JsonDocument doc = JsonDocument.Parse(stdout.Trim().Split('\n')[^1]);
            double[] returns = doc.RootElement.GetProperty("episodes").EnumerateArray().Select(e => e.GetProperty("return").GetDouble()).ToArray();
            Assert.True(made.TryPeek(out CueMemoryEnv[]? envs));
            Assert.Equal(envs![0].EpisodeReturns, returns);
            double late = returns[^20..].Average();
            output.WriteLine($"mean return over the first 20 episodes {returns[..20].Average():F2}, over the last 20 {late:F2}");
            Assert.True(late >= 0.5, $"the tabular learner did not learn the cue (mean late return {late})");
        }
    }

    [Fact]
    public void Server_ClientsVanishOrSendGarbage_KeepsServing()
    {
        (EnvServer server, _) = Serve(numEnvs: 1);
        using (server)
        {
            using (SocketVectorEnv first = SocketVectorEnv.Connect(server.Address!, Timeout))
            {
                var result = new VectorStep(first.Spec);
                first.Reset(null, [], null, result);
                first.Step(new SpaceBatch(first.Spec.ActionSpace, 1), result);
            }
            var writer = new WireWriter();
            MessageCodec.WriteHello(writer, EnvProtocol.DefaultMaxMessageSize);
            byte[] hello = writer.Written.ToArray();
            MessageCodec.WriteReset(writer, 3, [], null);
            byte[] reset = writer.Written.ToArray();
            byte[][] streams =
            [
                [.. hello, .. reset[..9]],                   // vanishes mid-message
                [.. hello, 0xFF, 0xFF, 0xFF, 0x7F, 5],        // huge length prefix
                [.. "GET / HTTP/1.1\r\n\r\n"u8],             // not a client at all
                [.. hello, 5, 0, 0, 0, 5, 1, 2, 3, 4],        // STEP before RESET, and garbage
            ];
            foreach (byte[] stream in streams)
            {
                using var raw = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                raw.Connect("127.0.0.1", server.Address!.Port);
                raw.Send(stream);
                raw.Shutdown(SocketShutdown.Send);
            }

            using SocketVectorEnv again = SocketVectorEnv.Connect(server.Address!, Timeout);
            RunReport report = EpisodeRunner.Run(again, ScriptedPolicy.Constant(0), episodes: 2, seed: 2);
            Assert.Equal(2, report.Episodes.Count);
        }
    }

    [Fact]
    public void Server_BadActionValue_RepliesErrorNamingIt()
    {
        (EnvServer server, _) = Serve(numEnvs: 2);
        using (server)
        {
            using SocketVectorEnv env = SocketVectorEnv.Connect(server.Address!, Timeout);
            var result = new VectorStep(env.Spec);
            var actions = new SpaceBatch(env.Spec.ActionSpace, 2);
            env.Reset(0, [], null, result);
            actions.Single.Row<long>(1)[0] = 7;

            var e = Assert.Throws<EnvException>(() => env.Step(actions, result));

            output.WriteLine(e.Message);
            Assert.Equal(EnvErrorCode.Malformed, e.RemoteCode);
            Assert.Contains("env 1", e.Message);
            Assert.Contains("Discrete(2)", e.Message);
        }
    }

    [Fact]
    public void ClientStep_SteadyState_AllocatesNothing()
    {
        (EnvServer server, _) = Serve(numEnvs: 4, size: 84);
        using (server)
        {
            using SocketVectorEnv env = SocketVectorEnv.Connect(server.Address!, Timeout);
            var result = new VectorStep(env.Spec);
            var actions = new SpaceBatch(env.Spec.ActionSpace, 4);
            env.Reset(0, [], null, result);
            for (int i = 0; i < 50; i++)
            {
                env.Step(actions, result);
            }

            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200; i++)
            {
                env.Step(actions, result);
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            output.WriteLine($"200 steps of 4 envs with 84x84x3 frames allocated {allocated} bytes on the client thread");
            Assert.Equal(0, allocated);
        }
    }
}
