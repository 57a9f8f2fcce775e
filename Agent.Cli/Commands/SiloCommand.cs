using System.CommandLine;
using System.Net;
using AgentRnn.Core;
using AgentRnn.Orleans;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

namespace AgentRnn.Cli;

/// <summary>`agent silo`: one Orleans silo hosting agent grains over a model, clustered and persisted through Redis.</summary>
internal static class SiloCommand
{
    /// <summary>The cluster and service id every `agent silo` and `agent cluster-bench` use unless told otherwise.</summary>
    public const string DefaultClusterId = "agentrnn";

    internal static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Model file (.safetensors); default: the benchmark model with random weights (seed 0)" };
        var redis = new Option<string>("--redis") { Description = "Redis server for clustering and agent memory, HOST:PORT", Required = true };
        var siloPort = new Option<int>("--silo-port") { Description = "Port silos talk to each other on", DefaultValueFactory = _ => 11111 };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Port clients (game servers, cluster-bench) connect to", DefaultValueFactory = _ => 30000 };
        var bind = new Option<string>("--bind") { Description = "Address to listen on and advertise (loopback by default)", DefaultValueFactory = _ => "127.0.0.1" };
        var maxBatch = new Option<int>("--max-batch") { Description = "Most agents' steps in one batched model step", DefaultValueFactory = _ => 256 };
        var maxWait = new Option<double>("--max-wait-ms") { Description = "How long a batch waits for more agents after its first, ms", DefaultValueFactory = _ => 2 };
        var persist = new Option<int>("--persist-interval-ms")
        {
            Description = "0: persist every agent's memory to Redis after every step (no acknowledged step lost); N: at most every N ms per agent (a killed silo loses up to N ms of its agents' steps, which clients resend)",
            DefaultValueFactory = _ => 0,
        };
        var clusterId = new Option<string>("--cluster-id") { Description = "Cluster (and service) id; silos and clients must agree", DefaultValueFactory = _ => DefaultClusterId };
        var command = new Command("silo", "Run one Orleans silo that hosts agent memory (one grain per agent, batched model steps, memory persisted in Redis)")
        {
            model, redis, siloPort, gatewayPort, bind, maxBatch, maxWait, persist, clusterId,
        };
        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            string redisAddress = RedisAddress(result.GetValue(redis)!);
            int silo = Port(result.GetValue(siloPort), "--silo-port");
            int gateway = Port(result.GetValue(gatewayPort), "--gateway-port");
            if (silo == gateway)
            {
                throw new AgentException($"--silo-port and --gateway-port are both {silo}; give them different ports");
            }
            if (!IPAddress.TryParse(result.GetValue(bind), out IPAddress? address))
            {
                throw new AgentException($"--bind {result.GetValue(bind)} is not an IP address");
            }
            var options = new AgentSiloOptions
            {
                MaxBatch = result.GetValue(maxBatch),
                MaxWait = TimeSpan.FromMilliseconds(result.GetValue(maxWait)),
                PersistInterval = result.GetValue(persist) switch
                {
                    0 => null,
                    > 0 and var ms => TimeSpan.FromMilliseconds(ms),
                    var ms => throw new AgentException($"--persist-interval-ms must be 0 (every step) or positive, not {ms}"),
                },
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentException e)
            {
                throw new AgentException(e.Message);
            }
            string id = result.GetValue(clusterId)!;
            string? modelPath = result.GetValue(model);
            AgentBrain brain = modelPath is null ? AgentBrain.CreateDefault(0) : AgentBrain.Load(modelPath);
            TextWriter stdout = result.InvocationConfiguration.Output;

            HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder([]);
            builder.Logging.ClearProviders();
            builder.UseOrleans(siloBuilder =>
            {
                siloBuilder.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (id, id));
                siloBuilder.ConfigureEndpoints(address, silo, gateway, listenOnAnyHostAddress: false);
                siloBuilder.UseAgentRedis(redisAddress);
                siloBuilder.AddAgentBrain(_ => brain, o =>
                {
                    o.MaxBatch = options.MaxBatch;
                    o.MaxWait = options.MaxWait;
                    o.PersistInterval = options.PersistInterval;
                });
                siloBuilder.UseFastFailureDetection(TimeSpan.FromSeconds(1));
            });
            using IHost host = builder.Build();
            try
            {
                await host.StartAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException and not AgentException)
            {
                throw new AgentException($"silo did not start (redis {redisAddress}, ports {silo}/{gateway}): {FirstLine(e)}", e);
            }
            stdout.WriteLine($"silo ready: silo {address}:{silo}, gateway {address}:{gateway}, redis {redisAddress}, cluster {id}, model {brain.Model.Fingerprint[..12]}, "
                + (options.PersistInterval is { } i ? $"persist every {i.TotalMilliseconds:0} ms" : "persist every step"));
            stdout.Flush();
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }
            var batcher = (AgentBatcher)host.Services.GetService(typeof(AgentBatcher))!;
            AgentBatcherStatistics stats = batcher.Statistics;
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await host.StopAsync(stop.Token);
            stdout.WriteLine($"silo stopped: {stats.Acts} agent steps in {stats.Batches} model steps (mean batch {stats.MeanBatch:0.0}), {stats.MemorySaves} memories saved");
            return 0;
        });
        return command;
    }

    /// <summary>Checks HOST:PORT and returns it as the Redis client's configuration string.</summary>
    internal static string RedisAddress(string value)
    {
        int colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), out int port) || port is < 1 or > 65535)
        {
            throw new AgentException($"--redis {value} is not HOST:PORT");
        }
        return value;
    }

    internal static int Port(int port, string option) =>
        port is >= 1 and <= 65535 ? port : throw new AgentException($"{option} {port} is not a port (1-65535)");

    internal static string FirstLine(Exception e)
    {
        Exception inner = e;
        while (inner is AggregateException { InnerException: { } next })
        {
            inner = next;
        }
        string message = inner.Message;
        int newline = message.IndexOf('\n');
        return (newline < 0 ? message : message[..newline]).Trim();
    }
}
