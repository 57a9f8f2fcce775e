using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentRnn.Core;
using AgentRnn.Core.Compute;
using AgentRnn.Host.Network;
using AgentRnn.Core.Compute.Cpu;
using AgentRnn.Host.Env;
using AgentRnn.Host.Models;
using AgentRnn.Host.Pipeline;

namespace AgentRnn.Cli;

/// <summary>
/// `agent run --env tcp://HOST:PORT|unix:PATH [--model M] [--episodes K] [--seed S] [--deterministic] [--timeout SECONDS] [--json]
/// [--backend cpu|opencl] [--device N]`:
/// plays K episodes of a socket env with a recurrent policy (one memory per env, reset when its episode ends) and
/// reports each episode's return.
/// </summary>
internal static class RunCommand
{
    internal static Command Create()
    {
        var env = new Option<string>("--env") { Description = "Env server address: tcp://HOST:PORT or unix:PATH", Required = true };
        var model = new Option<string?>("--model") { Description = "Policy weights (safetensors); default: a fresh model built for the env's spaces" };
        var episodes = new Option<int>("--episodes") { Description = "Episodes to play across all envs of the connection", DefaultValueFactory = _ => 10 };
        var seed = new Option<long?>("--seed") { Description = "Seed for the env's reset (env i gets S + i) and the policy's sampling and init" };
        var deterministic = new Option<bool>("--deterministic") { Description = "Take the policy's most likely action instead of sampling" };
        var timeout = new Option<double>("--timeout") { Description = "Seconds any connect, reset or step may take before failing", DefaultValueFactory = _ => 30 };
        var json = new Option<bool>("--json") { Description = "End stdout with one JSON object: episodes [{return, length, terminated, truncated}], steps, fps; " +
            "a non-finite return is null with \"nonfinite\": true, and a run stopped by a signal adds \"interrupted\": true" };
        var command = new Command("run", "Play episodes of a gym-style env served over a socket (envs/serve.py or a C# EnvServer)")
        {
            env, model, episodes, seed, deterministic, timeout, json,
        };
        var backend = new BackendOptions();
        backend.AddTo(command);
        command.SetAction((ParseResult r, CancellationToken cancellationToken) =>
        {
            BackendChoice choice = backend.Resolve(r);
            CpuDeviceOptions cpu = backend.Cpu(r, decodesVideo: false);
            int count = r.GetValue(episodes);
            double seconds = r.GetValue(timeout);
            if (count < 1)
            {
                throw new AgentException($"--episodes must be at least 1 (got {count})");
            }
            if (!(seconds > 0) || seconds > int.MaxValue / 1000.0)
            {
                throw new AgentException($"--timeout must be a positive number of seconds (got {seconds.ToString(CultureInfo.InvariantCulture)})");
            }
            EnvAddress address = EnvAddress.Parse(r.GetValue(env)!);
            long? s = r.GetValue(seed);
            bool greedy = r.GetValue(deterministic);
            string? modelPath = r.GetValue(model);
            InputFiles.Check(modelPath, "model");
            using SocketVectorEnv vectorEnv = SocketVectorEnv.Connect(address, TimeSpan.FromSeconds(seconds));
            int policySeed = unchecked((int)(s ?? 0));
            PolicyModel policyModel = modelPath is null
                ? PolicyModelAgent.CreateModel(vectorEnv.Spec, policySeed).WithCpu(cpu)
                : PolicyModel.Load(modelPath, new ModelLoadOptions { Cpu = cpu });
            using ComputeDevice? device = ModelFactory.OpenDevice(choice);
            using var policy = new PolicyModelAgent(policyModel, vectorEnv.Spec, greedy, policySeed, device);
            TextWriter error = r.InvocationConfiguration.Error;
            string on = device is null ? "" : $" on {choice} ({device.Name})";
            error.WriteLine($"playing {count} episodes on {address}: {vectorEnv.Spec.NumEnvs} env(s), {vectorEnv.Spec.ObservationSpace} → {vectorEnv.Spec.ActionSpace}, model {modelPath ?? "fresh"}{on}");
            RunReport report = EpisodeRunner.Run(vectorEnv, policy, count, s, cancellationToken);
            TextWriter output = r.InvocationConfiguration.Output;
            output.WriteLine(r.GetValue(json) ? ToJson(report) : ToText(report));
            if (report.Interrupted)
            {
                int n = report.Episodes.Count;
                throw new CommandInterruptedException($"{n} finished episode{(n == 1 ? "" : "s")} reported on stdout");
            }
            return Task.FromResult(0);
        });
        return command;
    }

    internal static string ToJson(RunReport report)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("episodes");
            foreach (EpisodeRecord e in report.Episodes)
            {
                writer.WriteStartObject();
                // JSON has no NaN or Infinity: a non-finite return (the env's rewards were) is null, flagged.
                if (double.IsFinite(e.Return))
                {
                    writer.WriteNumber("return", e.Return);
                }
                else
                {
                    writer.WriteNull("return");
                    writer.WriteBoolean("nonfinite", true);
                }
                writer.WriteNumber("length", e.Length);
                writer.WriteBoolean("terminated", e.Terminated);
                writer.WriteBoolean("truncated", e.Truncated);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteNumber("steps", report.Steps);
            if (report.Interrupted)
            {
                writer.WriteBoolean("interrupted", true);
            }
            writer.WriteNumber("fps", Math.Round(report.Fps, 1));
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string ToText(RunReport report)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        var lines = report.Episodes.Select((e, i) => string.Create(c,
            $"episode {i,4}  env {e.Env,3}  return {e.Return,10:0.####}  length {e.Length,6}{(e.Terminated ? "  terminated" : "")}{(e.Truncated ? "  truncated" : "")}")).ToList();
        string mean = report.Episodes.Count == 0 ? "no mean return" : string.Create(c, $"mean return {report.Episodes.Average(e => e.Return):0.####}");
        lines.Add(string.Create(c, $"{report.Episodes.Count} episodes, {mean}, {report.Steps} steps, {report.Fps:0.#} steps/s{(report.Interrupted ? ", interrupted" : "")}"));
        return string.Join(Environment.NewLine, lines);
    }
}
