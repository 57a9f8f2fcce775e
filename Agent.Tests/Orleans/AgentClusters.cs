using AgentRnn.Orleans;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Runtime.Diagnostics;
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
        try
        {
            await LoadStatisticsExchangedAsync(cluster, TimeSpan.FromSeconds(30));
        }
        catch (TimeoutException)
        {
            await cluster.DisposeAsync();
            throw new TimeoutException($"the {silos} silos did not all exchange load statistics within 30 s of deployment");
        }
        return cluster;
    }

    /// <summary>
    /// Completes once every silo holds the load statistics of every silo. Until then a silo's activation-count
    /// placement sees only the silos it has heard from (a silo that has heard from none places everything locally),
    /// so a burst of new agents right after deployment can land almost all on one silo. Orleans publishes statistics
    /// every second (so subscribing after deployment misses nothing for long); a receiver drops them while it does not
    /// yet see the sender as active.
    /// </summary>
    private static async Task LoadStatisticsExchangedAsync(TestCluster cluster, TimeSpan timeout)
    {
        var watcher = new StatisticsWatcher(cluster.Silos.Select(s => s.SiloAddress).ToArray());
        using IDisposable subscription = DeploymentLoadPublisherEvents.AllEvents.Subscribe(watcher);
        await watcher.Exchanged.WaitAsync(timeout);
    }

    private sealed class StatisticsWatcher(SiloAddress[] silos) : IObserver<DeploymentLoadPublisherEvents.DeploymentLoadPublisherEvent>
    {
        private readonly HashSet<(SiloAddress From, SiloAddress To)> _missing =
            silos.SelectMany(from => silos.Select(to => (from, to))).ToHashSet();
        private readonly TaskCompletionSource _exchanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Exchanged => _exchanged.Task;

        public void OnNext(DeploymentLoadPublisherEvents.DeploymentLoadPublisherEvent value)
        {
            // A silo's own statistics come as Published, another silo's as Received.
            (SiloAddress From, SiloAddress To)? pair = value switch
            {
                DeploymentLoadPublisherEvents.Published own => (own.SiloAddress, own.SiloAddress),
                DeploymentLoadPublisherEvents.Received other => (other.FromSilo, other.ReceiverSilo),
                _ => null,
            };
            if (pair is not { } heard)
            {
                return;
            }
            lock (_missing)
            {
                if (_missing.Remove(heard) && _missing.Count == 0)
                {
                    _exchanged.TrySetResult();
                }
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error) => _exchanged.TrySetException(error);
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
