using System.CommandLine;
using System.Globalization;
using System.Net;
using AgentRnn.Core;
using AgentRnn.Orleans;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using StackExchange.Redis;

namespace AgentRnn.Cli;

/// <summary>`agent cluster-bench`: drives agents through a cluster of `agent silo`s and checks them against the model in-process.</summary>
internal static class ClusterBenchCommand
{
    internal static Command Create()
    {
        var gateway = new Option<string>("--gateway") { Description = "Silo gateways, HOST:PORT[,HOST:PORT...]", Required = true };
        var agents = new Option<int>("--agents") { Description = "Agents, each with its own stream of synthetic frames", DefaultValueFactory = _ => 100 };
        var steps = new Option<int>("--steps") { Description = "Steps per agent", DefaultValueFactory = _ => 20 };
        var model = new Option<string?>("--model") { Description = "The silos' model file, for the in-process reference; default: the benchmark model (seed 0)" };
        var firstAgent = new Option<int>("--first-agent") { Description = "Agent ids are FIRST .. FIRST+agents-1 (a new range starts fresh agents)", DefaultValueFactory = _ => 0 };
        var redis = new Option<string?>("--redis") { Description = "The cluster's Redis, HOST:PORT: also report Redis writes per second" };
        var clusterId = new Option<string>("--cluster-id") { Description = "Cluster id of the silos", DefaultValueFactory = _ => SiloCommand.DefaultClusterId };
        var json = new Option<bool>("--json") { Description = "End stdout with one JSON object: agents, steps, fps, state_errors, retries, mean_batch, act_p50_ms, act_p99_ms" };
        var command = new Command("cluster-bench",
            "Drive agents through a cluster of 'agent silo's (deterministic synthetic frames, greedy actions), checking every action against the same model stepped in-process")
        {
            gateway, agents, steps, model, firstAgent, redis, clusterId, json,
        };
        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            IPEndPoint[] gateways = Gateways(result.GetValue(gateway)!);
            int agentCount = result.GetValue(agents);
            int stepCount = result.GetValue(steps);
            if (agentCount < 1 || agentCount > AgentBrain.MaxAgents)
            {
                throw new AgentException($"--agents must be 1..{AgentBrain.MaxAgents}, not {agentCount}");
            }
            if (stepCount < 1)
            {
                throw new AgentException($"--steps must be at least 1, not {stepCount}");
            }
            int first = result.GetValue(firstAgent);
            if ((long)first + agentCount - 1 > int.MaxValue || first < 0)
            {
                throw new AgentException($"--first-agent {first} with --agents {agentCount} goes past the 32-bit agent ids");
            }
            string? redisAddress = result.GetValue(redis) is { } r ? SiloCommand.RedisAddress(r) : null;
            string id = result.GetValue(clusterId)!;
            TextWriter stdout = result.InvocationConfiguration.Output;
            string? modelPath = result.GetValue(model);

            HostApplicationBuilder builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder([]);
            builder.Logging.ClearProviders();
            builder.UseOrleansClient(client =>
            {
                client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (id, id));
                client.UseStaticClustering(gateways);
                client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
            });
            using IHost host = builder.Build();
            try
            {
                using var connect = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                connect.CancelAfter(TimeSpan.FromSeconds(30));
                await host.StartAsync(connect.Token);
            }
            catch (Exception e) when (e is not AgentException && !cancellationToken.IsCancellationRequested)
            {
                throw new AgentException($"cannot connect to the cluster at {result.GetValue(gateway)}: {SiloCommand.FirstLine(e)}", e);
            }
            var bench = new ClusterBench(host.Services.GetRequiredService<IClusterClient>()) { FirstAgent = first };
            int[][] reference;
            using (var referenceModel = new AgentBrainModel(modelPath is null ? AgentBrain.CreateDefault(0) : AgentBrain.Load(modelPath)))
            {
                reference = bench.Reference(referenceModel, agentCount, stepCount);
            }
            long writesBefore = redisAddress is null ? 0 : await RedisWritesAsync(redisAddress);
            ClusterBenchResult run = await bench.RunAsync(agentCount, stepCount, reference, cancellationToken);
            double? writesPerSecond = redisAddress is null ? null : (await RedisWritesAsync(redisAddress) - writesBefore) / run.Seconds;
            await host.StopAsync(CancellationToken.None);

            stdout.WriteLine(FormattableString.Invariant(
                $"{run.Agents} agents x {run.Steps} steps in {run.Seconds:0.00} s: {run.Fps:0} agent steps/s, mean batch {run.MeanBatch:0.0}, Act p50 {run.ActP50Ms:0.0} ms p99 {run.ActP99Ms:0.0} ms, ")
                + FormattableString.Invariant($"{run.Retries} retries, {run.StateErrors} state errors")
                + (writesPerSecond is { } w ? FormattableString.Invariant($", {w:0} Redis writes/s") : ""));
            if (result.GetValue(json))
            {
                stdout.WriteLine(FormattableString.Invariant(
                    $"{{\"agents\":{run.Agents},\"steps\":{run.Steps},\"fps\":{run.Fps:0.0},\"state_errors\":{run.StateErrors},\"retries\":{run.Retries},")
                    + FormattableString.Invariant($"\"mean_batch\":{run.MeanBatch:0.00},\"act_p50_ms\":{run.ActP50Ms:0.00},\"act_p99_ms\":{run.ActP99Ms:0.00},\"seconds\":{run.Seconds:0.00}")
                    + (writesPerSecond is { } ws ? FormattableString.Invariant($",\"redis_writes_per_s\":{ws:0.0}") : "") + "}");
            }
            if (run.StateErrors > 0)
            {
                throw new AgentException($"{run.StateErrors} of {run.Agents} agents' actions differ from the model stepped in-process");
            }
            return 0;
        });
        return command;
    }

    private static IPEndPoint[] Gateways(string value)
    {
        var list = new List<IPEndPoint>();
        foreach (string part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int colon = part.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(part.AsSpan(colon + 1), out int port) || port is < 1 or > 65535)
            {
                throw new AgentException($"--gateway {part} is not HOST:PORT");
            }
            string hostName = part[..colon];
            IPAddress? address = IPAddress.TryParse(hostName, out IPAddress? parsed) ? parsed
                : Dns.GetHostAddresses(hostName).FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);
            list.Add(new IPEndPoint(address ?? throw new AgentException($"--gateway {part}: host {hostName} has no IPv4 address"), port));
        }
        return list.Count > 0 ? [.. list] : throw new AgentException("--gateway names no HOST:PORT");
    }

    /// <summary>Calls of the commands Orleans' Redis storage writes with (its scripts and SETs), from INFO commandstats.</summary>
    private static async Task<long> RedisWritesAsync(string address)
    {
        try
        {
            ConfigurationOptions options = ConfigurationOptions.Parse(address);
            options.AllowAdmin = true; // INFO is an admin command to the client library
            await using ConnectionMultiplexer redis = await ConnectionMultiplexer.ConnectAsync(options);
            IServer server = redis.GetServer(redis.GetEndPoints()[0]);
            string info = (await server.InfoRawAsync("commandstats")) ?? "";
            long calls = 0;
            foreach (string line in info.Split('\n'))
            {
                // cmdstat_evalsha:calls=123,usec=...
                if (line.StartsWith("cmdstat_eval", StringComparison.Ordinal) || line.StartsWith("cmdstat_set:", StringComparison.Ordinal)
                    || line.StartsWith("cmdstat_hset:", StringComparison.Ordinal))
                {
                    int at = line.IndexOf("calls=", StringComparison.Ordinal) + 6;
                    int end = line.IndexOf(',', at);
                    calls += long.Parse(line.AsSpan(at, end - at), CultureInfo.InvariantCulture);
                }
            }
            return calls;
        }
        catch (Exception e) when (e is RedisException or RedisCommandException)
        {
            throw new AgentException($"--redis {address}: {e.Message}", e);
        }
    }
}
