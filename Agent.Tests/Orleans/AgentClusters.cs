using AgentRnn.Orleans;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace AgentRnn.Tests.Orleans;

/// <summary>In-process Orleans clusters of agent silos over the toy model, for the grain tests.</summary>
internal static class AgentClusters
{
    /// <summary>Deploys <paramref name="silos"/> silos; <paramref name="redis"/> null keeps the agents in Orleans' memory storage.</summary>
    public static async Task<TestCluster> DeployAsync(int silos, int maxWaitMs, string? redis = null, int? persistIntervalMs = null, bool brain = false)
    {
        var builder = new TestClusterBuilder((short)silos);
        if (brain)
        {
            builder.Properties["AgentTest:Brain"] = "default";
        }
        builder.Properties["AgentTest:MaxWaitMs"] = maxWaitMs.ToString();
        if (redis is not null)
        {
            builder.Properties["AgentTest:Redis"] = redis;
        }
        if (persistIntervalMs is { } interval)
        {
            builder.Properties["AgentTest:IntervalMs"] = interval.ToString();
        }
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        TestCluster cluster = builder.Build();
        await cluster.DeployAsync().WaitAsync(TimeSpan.FromSeconds(90));
        return cluster;
    }

    /// <summary>Runs <paramref name="body"/> and fails the test when it takes longer than <paramref name="seconds"/>.</summary>
    public static Task Bounded(int seconds, Func<Task> body) => body().WaitAsync(TimeSpan.FromSeconds(seconds));

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder silo)
        {
            IConfiguration c = silo.Configuration;
            if (c["AgentTest:Redis"] is { } redis)
            {
                silo.AddAgentRedisStorage(redis);
            }
            else
            {
                silo.AddMemoryGrainStorage(AgentSiloOptions.StorageName);
            }
            Func<IServiceProvider, IAgentModel> model = c["AgentTest:Brain"] is null
                ? _ => new ToyModel()
                : _ => new AgentBrainModel(AgentBrain.CreateDefault(0, new AgentBrainOptions { Threads = 1 }));
            silo.AddAgentModel(model, o =>
            {
                o.MaxWait = TimeSpan.FromMilliseconds(int.Parse(c["AgentTest:MaxWaitMs"] ?? "2"));
                if (c["AgentTest:IntervalMs"] is { } interval)
                {
                    o.PersistInterval = TimeSpan.FromMilliseconds(int.Parse(interval));
                }
            });
            silo.UseFastFailureDetection(TimeSpan.FromSeconds(1));
        }
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder client)
            => client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
    }
}
