using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Hosting;
using Orleans.Persistence;
using Orleans.Runtime;
using Orleans.Serialization;
using Orleans.Storage;
using StackExchange.Redis;

namespace AgentRnn.Orleans;

/// <summary>Registers agent memory on a silo: the model, the batcher, the options, and Redis clustering and storage.</summary>
public static class AgentSiloBuilderExtensions
{
    /// <summary>
    /// Hosts <see cref="IAgentGrain"/>s on this silo over the model <paramref name="model"/> creates (once, when the
    /// silo first needs it; the silo disposes it). Register a grain storage named <see cref="AgentSiloOptions.StorageName"/>
    /// too: <see cref="UseAgentRedis(ISiloBuilder, string)"/>, or any Orleans storage.
    /// </summary>
    public static ISiloBuilder AddAgentModel(this ISiloBuilder builder, Func<IServiceProvider, IAgentModel> model, Action<AgentSiloOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(model);
        OptionsBuilder<AgentSiloOptions> options = builder.Services.AddOptions<AgentSiloOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }
        builder.Services.AddSingleton(sp => new AgentBatcher(model(sp), sp.GetRequiredService<IOptions<AgentSiloOptions>>()));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILifecycleParticipant<ISiloLifecycle>, EagerPlacementDirector>());
        return builder;
    }

    /// <summary>
    /// Clusters through the Redis server at <paramref name="configuration"/> (StackExchange.Redis syntax, e.g.
    /// "127.0.0.1:6379") and persists the agents there, in Orleans' binary format.
    /// </summary>
    public static ISiloBuilder UseAgentRedis(this ISiloBuilder builder, string configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ConfigurationOptions redis = Parse(configuration);
        builder.UseRedisClustering(o => o.ConfigurationOptions = redis.Clone());
        return builder.AddAgentRedisStorage(configuration);
    }

    /// <summary>Persists the agents in the Redis server at <paramref name="configuration"/> (no clustering).</summary>
    public static ISiloBuilder AddAgentRedisStorage(this ISiloBuilder builder, string configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ConfigurationOptions redis = Parse(configuration);
        builder.AddRedisGrainStorage(AgentSiloOptions.StorageName, (OptionsBuilder<RedisStorageOptions> o) =>
            o.Configure<Serializer>((options, serializer) =>
            {
                options.ConfigurationOptions = redis.Clone();
                options.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
            }));
        return builder;
    }

    /// <summary>
    /// Parses a StackExchange.Redis configuration; unless it sets its own, the command timeouts are 30 s, not 5 s: when a
    /// silo dies, its agents reactivate at once on the others and read their state together, and on a loaded machine a
    /// 5 s timeout fails those reads (measured with 1,000 agents of 28 KB each moving on a 2-core box).
    /// </summary>
    internal static ConfigurationOptions Parse(string configuration)
    {
        ConfigurationOptions redis = ConfigurationOptions.Parse(configuration);
        if (!configuration.Contains("asyncTimeout", StringComparison.OrdinalIgnoreCase))
        {
            redis.AsyncTimeout = 30_000;
        }
        if (!configuration.Contains("syncTimeout", StringComparison.OrdinalIgnoreCase))
        {
            redis.SyncTimeout = 30_000;
        }
        return redis;
    }

    /// <summary>Finds the cluster through the Redis server at <paramref name="configuration"/>.</summary>
    public static IClientBuilder UseAgentRedis(this IClientBuilder builder, string configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ConfigurationOptions redis = Parse(configuration);
        return builder.UseRedisClustering(o => o.ConfigurationOptions = redis.Clone());
    }
}

/// <summary>How fast a cluster of agent silos notices a dead silo.</summary>
public static class AgentFailureDetection
{
    /// <summary>
    /// Declares a silo dead after two missed probes of <paramref name="probeTimeout"/> each and one vote (default Orleans:
    /// 3 missed probes of 5 s and 2 votes), so a killed silo's agents move within seconds. For small clusters on one
    /// network; a large cluster keeps Orleans' defaults.
    /// </summary>
    public static ISiloBuilder UseFastFailureDetection(this ISiloBuilder builder, TimeSpan probeTimeout)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Configure<global::Orleans.Configuration.ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = probeTimeout;
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
            o.TableRefreshTimeout = probeTimeout * 2;
            o.IAmAliveTablePublishTimeout = probeTimeout * 5;
            o.DeathVoteExpirationTimeout = probeTimeout * 10;
        });
        return builder;
    }
}

/// <summary>Registers an <see cref="AgentBrain"/> as a silo's agent model.</summary>
public static class AgentBrainSiloBuilderExtensions
{
    /// <summary>Hosts agent grains over <paramref name="brain"/>'s model (see <see cref="AgentSiloBuilderExtensions.AddAgentModel"/>).</summary>
    public static ISiloBuilder AddAgentBrain(this ISiloBuilder builder, Func<IServiceProvider, AgentBrain> brain, Action<AgentSiloOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(brain);
        return builder.AddAgentModel(sp => new AgentBrainModel(brain(sp)), configure);
    }

    /// <summary>Hosts agent grains over the model file at <paramref name="modelPath"/> (any layout <see cref="AgentBrain.Load"/> reads).</summary>
    public static ISiloBuilder AddAgentBrain(this ISiloBuilder builder, string modelPath, Action<AgentSiloOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        return builder.AddAgentBrain(_ => AgentBrain.Load(modelPath), configure);
    }
}
