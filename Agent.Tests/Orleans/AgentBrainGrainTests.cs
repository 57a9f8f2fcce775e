using AgentRnn.Orleans;
using AgentRnn.Vision;
using Orleans.TestingHost;

namespace AgentRnn.Tests.Orleans;

/// <summary>Agent grains over the real <see cref="AgentBrain"/> (the benchmark model: frame stack of 4, LSTM 256).</summary>
public sealed class AgentBrainGrainTests
{
    [Fact]
    public Task GrainsOverAgentBrainMatchItInProcessAcrossADeactivation() => AgentClusters.Bounded(180, async () =>
    {
        await using TestCluster cluster = await AgentClusters.DeployAsync(silos: 1, maxWaitMs: 10, brain: true);
        const int agents = 3, steps = 8, first = 7000;
        var bench = new ClusterBench(cluster.GrainFactory) { FirstAgent = first };
        using var local = new AgentBrainModel(AgentBrain.CreateDefault(0, new AgentBrainOptions { Threads = 1 }));
        int[][] reference = bench.Reference(local, agents, steps);
        var grains = Enumerable.Range(first, agents).Select(id => cluster.GrainFactory.GetGrain<IAgentGrain>(id)).ToArray();
        for (int s = 0; s < steps; s++)
        {
            AgentAction[] results = await Task.WhenAll(grains.Select((g, a) => g.Act(bench.Frame(first + a, s), s, details: true)));
            for (int a = 0; a < agents; a++)
            {
                Assert.Equal(reference[a][s], results[a].Action);
                Assert.Equal(6, results[a].Probabilities!.Length);
            }
            if (s == 4)
            {
                // The memory (LSTM state and the 4-frame stack) survives the grain's deactivation byte for byte.
                AgentSnapshot before = await grains[1].Snapshot();
                await cluster.DeactivateAsync(grains[1]).WaitAsync(TimeSpan.FromSeconds(30));
                AgentSnapshot after = await grains[1].Snapshot();
                Assert.Equal(before.Memory, after.Memory);
                Assert.Equal(local.Fingerprint, after.ModelFingerprint);
                Assert.Equal(4, after.LastStep);
            }
        }
    });
}
