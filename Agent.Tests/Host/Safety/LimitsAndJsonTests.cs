using System.Text.Json;
using AgentRnn.Cli;
using AgentRnn.Core.Spaces;
using AgentRnn.Host.Env;

namespace AgentRnn.Tests.Host.Safety;

/// <summary>Stated limits, checked before anything is allocated, and JSON that stays valid with non-finite numbers.</summary>
public sealed class LimitsAndJsonTests
{
    private static async Task<(int Code, string Stdout, string Stderr)> AgentAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await AgentCli.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData("100000000")]
    [InlineData("2147483647")]
    [InlineData("8193")]
    public async Task Bench_TooManyStreams_OneLineNamingTheLimit_NoAllocation(string streams)
    {
        // Before the fix 100000000 streams overflowed (exit 70) and a smaller large count ran out of memory.
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var (code, _, stderr) = await AgentAsync("bench", "--streams", streams, "--frames", "100000000000");
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Equal(AgentCli.UsageError, code);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal($"error: --streams {streams} is over the limit of 8192 streams per run", line);
        // The parse and the message only (other tests run in parallel, so this is a loose bound: 64 MiB).
        Assert.True(allocated < 64L << 20, $"{allocated} bytes allocated");
    }

    [Fact]
    public async Task Label_TooManyVideos_OneLineNamingTheLimit()
    {
        string[] videos = Enumerable.Range(0, 8193).Select(i => $"v{i}.mp4").ToArray();
        var (code, _, stderr) = await AgentAsync(["label", .. videos, "--model", "m.safetensors", "--out-dir", "out"]);
        Assert.Equal(AgentCli.UsageError, code);
        Assert.Equal("error: VIDEO: the number of videos 8193 is over the limit of 8192 streams per run", stderr.Trim());
    }

    [Fact]
    public void RunJson_NonFiniteReturns_ValidJsonWithNullAndFlag()
    {
        var report = new RunReport(
        [
            new EpisodeRecord(0, 1.5, 3, true, false),
            new EpisodeRecord(1, double.NaN, 4, true, false),
            new EpisodeRecord(0, double.PositiveInfinity, 2, false, true),
        ], 9, 0.5);

        using JsonDocument json = JsonDocument.Parse(RunCommand.ToJson(report));
        JsonElement[] episodes = json.RootElement.GetProperty("episodes").EnumerateArray().ToArray();
        Assert.Equal(3, episodes.Length);
        Assert.Equal(1.5, episodes[0].GetProperty("return").GetDouble());
        Assert.False(episodes[0].TryGetProperty("nonfinite", out _));
        foreach (JsonElement e in episodes[1..])
        {
            Assert.Equal(JsonValueKind.Null, e.GetProperty("return").ValueKind);
            Assert.True(e.GetProperty("nonfinite").GetBoolean());
        }
        Assert.Equal(4, episodes[1].GetProperty("length").GetInt32());
        Assert.False(json.RootElement.TryGetProperty("interrupted", out _));
    }

    [Fact]
    public async Task Run_EnvWithNaNRewards_EveryEpisodeReportedAsValidJson()
    {
        using var server = new EnvServer(() => new SyncVectorEnv([new NaNRewardEnv()]));
        EnvAddress address = server.Start(EnvAddress.Tcp("127.0.0.1", 0));

        var (code, stdout, stderr) = await AgentAsync("run", "--env", address.ToString(), "--episodes", "4", "--seed", "1", "--json", "--timeout", "20");

        Assert.True(code == 0, stderr);
        using JsonDocument json = JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]);
        JsonElement[] episodes = json.RootElement.GetProperty("episodes").EnumerateArray().ToArray();
        Assert.Equal(4, episodes.Length);
        // Odd episodes (1, 3) got a NaN reward, even ones 1 + 1.
        for (int i = 0; i < 4; i++)
        {
            if (i % 2 == 1)
            {
                Assert.Equal(JsonValueKind.Null, episodes[i].GetProperty("return").ValueKind);
                Assert.True(episodes[i].GetProperty("nonfinite").GetBoolean());
            }
            else
            {
                Assert.Equal(2.0, episodes[i].GetProperty("return").GetDouble());
            }
            Assert.Equal(2, episodes[i].GetProperty("length").GetInt32());
        }
    }

    [Fact]
    public void EpisodeRunner_Cancelled_ReturnsTheFinishedEpisodesMarkedInterrupted()
    {
        using var env = new SyncVectorEnv([new NaNRewardEnv()]);
        using var cancel = new CancellationTokenSource();
        var policy = new CancelAfterSteps(cancel, steps: 5);

        RunReport report = EpisodeRunner.Run(env, policy, episodes: 100, seed: 0, cancel.Token);

        Assert.True(report.Interrupted);
        Assert.Equal(2, report.Episodes.Count);
        using JsonDocument json = JsonDocument.Parse(RunCommand.ToJson(report));
        Assert.True(json.RootElement.GetProperty("interrupted").GetBoolean());
    }

    [Fact]
    public async Task Run_MalformedErrorMessage_TheLineNamesTheEnvAddress()
    {
        // An ERROR whose text length runs past its payload: the line names the env, as every other fault's does.
        using var server = new Env.FakeEnvServer((s, _) =>
        {
            Env.FakeEnvServer.ReadHello(s);
            // Length 10 (type + code + text length + 3 bytes), type ERROR, code 1, text length 1000, "abc".
            s.Send([10, 0, 0, 0, (byte)MessageType.Error, 1, 0, 0xE8, 0x03, 0, 0, (byte)'a', (byte)'b', (byte)'c']);
        });
        var (code, _, stderr) = await AgentAsync("run", "--env", server.Address.ToString(), "--episodes", "1", "--timeout", "20");
        Assert.Equal(1, code);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"env at {server.Address} sent a bad ERROR message", line);
    }

    /// <summary>Episodes of two steps, reward 1 each; every second episode's last reward is NaN.</summary>
    private sealed class NaNRewardEnv : IEnv
    {
        private int _step;
        private int _episode = -1;

        public Space ObservationSpace { get; } = new Box(-1, 1, [4]);

        public Space ActionSpace { get; } = new Discrete(2);

        public void Reset(long? seed, SpaceBatch observations, int row)
        {
            _step = 0;
            _episode++;
            observations.Single.Row<float>(row).Clear();
        }

        public EnvStepResult Step(SpaceBatch actions, SpaceBatch observations, int row)
        {
            _step++;
            observations.Single.Row<float>(row).Fill(_step * 0.1f);
            bool last = _step == 2;
            return new EnvStepResult(last && _episode % 2 == 1 ? double.NaN : 1.0, last, false);
        }

        public void Dispose()
        {
        }
    }

    /// <summary>Always action 0; cancels the token after a number of steps.</summary>
    private sealed class CancelAfterSteps(CancellationTokenSource cancel, int steps) : IAgentPolicy
    {
        private int _steps;

        public void Act(SpaceBatch observations, ReadOnlySpan<bool> episodeStarts, SpaceBatch actions)
        {
            actions.Single.Row<long>(0).Clear();
            if (++_steps == steps)
            {
                cancel.Cancel();
            }
        }
    }
}
