using AgentRnn.Orleans;
using AgentRnn.Vision;
using Orleans;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace AgentRnn.Tests.Orleans;

/// <summary>Two in-process silos with Orleans' memory storage, shared by the tests of <see cref="AgentGrainTests"/>.</summary>
public sealed class TwoSiloCluster : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    // A 20 ms batching window: long enough that concurrent agents share model steps on a loaded machine.
    public async Task InitializeAsync() => Cluster = await AgentClusters.DeployAsync(silos: 2, maxWaitMs: 20);

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

/// <summary>Agent grains on two silos: exact memory, idempotent steps, placement, batching, deactivation.</summary>
public sealed class AgentGrainTests(TwoSiloCluster fixture) : IClassFixture<TwoSiloCluster>
{
    private readonly TestCluster _cluster = fixture.Cluster;

    private static ClusterBench Bench(IGrainFactory grains, int firstAgent) => new(grains) { FrameWidth = 8, FrameHeight = 8, FirstAgent = firstAgent };

    [Fact]
    public Task ActsMatchTheInProcessModelAndARetriedStepIsAppliedOnce() => AgentClusters.Bounded(60, async () =>
    {
        ClusterBench bench = Bench(_cluster.GrainFactory, 1000);
        int[][] reference = bench.Reference(new ToyModel(), agents: 4, steps: 12);
        for (int a = 0; a < 4; a++)
        {
            IAgentGrain grain = _cluster.GrainFactory.GetGrain<IAgentGrain>(1000 + a);
            for (int s = 0; s < 12; s++)
            {
                AgentAction first = await grain.Act(bench.Frame(1000 + a, s), s, details: true);
                Assert.Equal(reference[a][s], first.Action);
                Assert.False(first.Replayed);
                Assert.Equal(3, first.Probabilities!.Length);
                Assert.Equal(1.0, first.Probabilities.Sum(), 5); // probabilities sum to 1 within 1e-5
                // The same step again (a caller's retry) returns the stored decision and does not step the memory.
                AgentAction again = await grain.Act(bench.Frame(1000 + a, s), s);
                Assert.True(again.Replayed);
                Assert.Equal(first.Action, again.Action);
                Assert.Equal(first.Value, again.Value);
                Assert.Null(again.Probabilities);
            }
        }
    });

    [Fact]
    public Task AStepOutOfOrderFailsNamingTheLastAppliedStep() => AgentClusters.Bounded(60, async () =>
    {
        ClusterBench bench = Bench(_cluster.GrainFactory, 1100);
        IAgentGrain grain = _cluster.GrainFactory.GetGrain<IAgentGrain>(1100);
        await grain.Act(bench.Frame(1100, 0), 0);
        await grain.Act(bench.Frame(1100, 1), 1);
        AgentStepException ahead = await Assert.ThrowsAsync<AgentStepException>(() => grain.Act(bench.Frame(1100, 5), 5));
        Assert.Equal(1, ahead.LastStep);
        Assert.Equal(5, ahead.Requested);
        Assert.Contains("send step 2", ahead.Message);
        AgentStepException behind = await Assert.ThrowsAsync<AgentStepException>(() => grain.Act(bench.Frame(1100, 0), 0));
        Assert.Equal(1, behind.LastStep);
        Assert.Equal(1, (await grain.Snapshot()).LastStep);
    });

    [Fact]
    public Task AgentsArePlacedOnBothSilosAndConcurrentStepsAreBatched() => AgentClusters.Bounded(120, async () =>
    {
        const int agents = 64, steps = 6, first = 2000;
        ClusterBench bench = Bench(_cluster.GrainFactory, first);
        int[][] reference = bench.Reference(new ToyModel(), agents, steps);
        AgentBatcherStatistics[] before = Batchers().Select(b => b.Statistics).ToArray();

        ClusterBenchResult result = await bench.RunAsync(agents, steps, reference);

        Assert.Equal(0, result.StateErrors);
        Assert.Equal(0, result.Retries);
        AgentBatcherStatistics[] after = Batchers().Select(b => b.Statistics).ToArray();
        long batches = after.Zip(before, (x, y) => x.Batches - y.Batches).Sum();
        long acts = after.Zip(before, (x, y) => x.Acts - y.Acts).Sum();
        Assert.Equal(agents * steps, acts);
        Assert.True((double)acts / batches > 1.5, $"mean batch {(double)acts / batches:0.00} over {batches} model steps");
        Assert.True(result.MeanBatch > 1.5, $"mean batch seen by the client {result.MeanBatch:0.00}");

        IManagementGrain management = _cluster.GrainFactory.GetGrain<IManagementGrain>(0);
        DetailedGrainStatistic[] activations = await management.GetDetailedGrainStatistics();
        var perSilo = activations
            .Where(g => g.GrainType.Contains("AgentGrain") && g.GrainId.TryGetIntegerKey(out long key, out _) && key >= first && key < first + agents)
            .GroupBy(g => g.SiloAddress)
            .ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(2, perSilo.Count);
        Assert.All(perSilo.Values, count => Assert.True(count >= agents / 4, $"activations per silo: {string.Join(", ", perSilo.Values)}"));
    });

    [Fact]
    public Task DeactivationAndReactivationRestoreTheMemoryExactly() => AgentClusters.Bounded(60, async () =>
    {
        const int agent = 3000, steps = 10;
        ClusterBench bench = Bench(_cluster.GrainFactory, agent);
        int[][] reference = bench.Reference(new ToyModel(), agents: 1, steps);
        IAgentGrain grain = _cluster.GrainFactory.GetGrain<IAgentGrain>(agent);
        for (int s = 0; s < 5; s++)
        {
            Assert.Equal(reference[0][s], (await grain.Act(bench.Frame(agent, s), s)).Action);
        }
        AgentSnapshot before = await grain.Snapshot();

        await _cluster.DeactivateAsync(grain).WaitAsync(TimeSpan.FromSeconds(30));

        AgentSnapshot after = await grain.Snapshot();
        Assert.Equal(before.Memory, after.Memory);
        Assert.Equal(4, after.LastStep);
        Assert.Equal(before.LastResult!.Action, after.LastResult!.Action);
        Assert.Equal(before.LastResult.Value, after.LastResult.Value);
        Assert.Equal(before.LastResult.Probabilities, after.LastResult.Probabilities);
        Assert.Equal("toy-1", after.ModelFingerprint);
        for (int s = 5; s < steps; s++)
        {
            Assert.Equal(reference[0][s], (await grain.Act(bench.Frame(agent, s), s)).Action);
        }
    });

    [Fact]
    public Task ResetStartsANewEpisodeAndTheStepCountGoesOn() => AgentClusters.Bounded(60, async () =>
    {
        const int agent = 3100;
        ClusterBench bench = Bench(_cluster.GrainFactory, agent);
        IAgentGrain grain = _cluster.GrainFactory.GetGrain<IAgentGrain>(agent);
        AgentSnapshot fresh = await grain.Snapshot();
        Assert.Equal(-1, fresh.LastStep);
        for (int s = 0; s < 4; s++)
        {
            await grain.Act(bench.Frame(agent, s), s);
        }
        Assert.NotEqual(fresh.Memory, (await grain.Snapshot()).Memory);

        await grain.Reset();

        AgentSnapshot reset = await grain.Snapshot();
        Assert.Equal(fresh.Memory, reset.Memory);
        Assert.Equal(3, reset.LastStep);
        // Step 4 after the reset acts as step 0 of a fresh agent that sees the same frame.
        var model = new ToyModel();
        byte[] pixels = bench.Frame(agent, 4).Pixels;
        model.Observe(agent, new GameFrame(pixels, 8, 8, PixelFormat.Gray));
        model.Step();
        Assert.Equal(model.Decision(agent, out _, []), (await grain.Act(bench.Frame(agent, 4), 4)).Action);
    });

    private IEnumerable<AgentBatcher> Batchers() => _cluster.Silos
        .Select(s => (AgentBatcher)_cluster.GetSiloServiceProvider(s.SiloAddress).GetService(typeof(AgentBatcher))!);
}

/// <summary>Silo failures with the agents persisted in a real redis-server: no step lost or applied twice.</summary>
public sealed class AgentFailoverTests
{
    [Theory]
    [InlineData(null)]
    [InlineData(300)]
    public Task KillingASiloMidRunLosesNoAgentsMemory(int? persistIntervalMs) => AgentClusters.Bounded(240, async () =>
    {
        using RedisServer redis = RedisServer.Start();
        await using TestCluster cluster = await AgentClusters.DeployAsync(silos: 2, maxWaitMs: 5, redis.Configuration, persistIntervalMs);
        const int agents = 40, steps = 16, first = 5000;
        SiloHandle victim = cluster.SecondarySilos[0];
        bool killed = false;
        var bench = new ClusterBench(cluster.GrainFactory)
        {
            FrameWidth = 8,
            FrameHeight = 8,
            FirstAgent = first,
            RetryFor = TimeSpan.FromSeconds(90),
            OnStep = async step =>
            {
                if (step == 5)
                {
                    killed = true;
                    await cluster.KillSiloAsync(victim);
                }
            },
        };
        int[][] reference = bench.Reference(new ToyModel(), agents, steps);

        ClusterBenchResult result = await bench.RunAsync(agents, steps, reference);

        Assert.True(killed);
        Assert.Equal(0, result.StateErrors);
        // Every agent ends on the surviving silo with all its steps, read back through Redis after the kill.
        for (int a = 0; a < agents; a += 7)
        {
            AgentSnapshot snapshot = await cluster.GrainFactory.GetGrain<IAgentGrain>(first + a).Snapshot();
            Assert.Equal(steps - 1, snapshot.LastStep);
            Assert.Equal(reference[a][steps - 1], snapshot.LastResult!.Action);
        }
    });
}
