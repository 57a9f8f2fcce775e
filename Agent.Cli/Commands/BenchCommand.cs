using System.CommandLine;
using AgentRnn.Core;
using AgentRnn.Core.Compute;
using AgentRnn.Core.Compute.Cpu;
using AgentRnn.Core.Kernels;
using AgentRnn.Host.Network;
using AgentRnn.Host.Bench;
using AgentRnn.Host.Models;
using AgentRnn.Host.Pipeline;
using AgentRnn.Vision;

namespace AgentRnn.Cli;

/// <summary>`agent bench`: the headless frames-per-second benchmark.</summary>
internal static class BenchCommand
{
    /// <summary>Frames when --frames is not given: the README's command takes seconds, not minutes, on 2 cores.</summary>
    public const long DefaultFrames = 2000;

    /// <summary>Distinct ready observations per --model-only run, cycled.</summary>
    private const int MemoryObservations = 64;

    internal static Command Create()
    {
        var source = new Option<string>("--source")
        {
            Description = "synthetic (a game rendered in memory, no files needed) or a video file",
            DefaultValueFactory = _ => "synthetic",
        };
        var model = new Option<string?>("--model") { Description = $"Model file (.safetensors); default: {ModelFactory.DefaultDescription}" };
        var streams = new Option<int>("--streams") { Description = "Concurrent streams, batched together in each model step", DefaultValueFactory = _ => 1 };
        var frames = new Option<long>("--frames") { Description = "Frames in total, split over the streams", DefaultValueFactory = _ => DefaultFrames };
        var modelOnly = new Option<bool>("--model-only") { Description = "Ready frames from memory: measure encoder + memory + policy alone" };
        var gray = LabelCommand.GrayOptions();
        gray.Gray.Description = "With a video --source: " + LabelCommand.GrayDescription;
        var precision = new Option<string>("--precision")
        {
            Description = "Weights of the fully connected layers (the encoder's linear layer, the recurrent cores, the heads) on the CPU: "
                + "fp32, or bf16 (bfloat16 weights widened to float32 in registers; opt-in, tolerance in BENCHMARKS.md)",
            DefaultValueFactory = _ => "fp32",
        };
        precision.AcceptOnlyFromAmong("fp32", "bf16");
        var sequence = new Option<int>("--sequence")
        {
            Description = "Instead of the pipeline: whole-sequence throughput of the model's recurrent core on the --backend device, " +
                "T frames × --streams streams in one call (random inputs of the encoder's width on the device; median of 5 calls), " +
                "as tools/bench/torch_peer.py --sequence measures PyTorch",
            DefaultValueFactory = _ => 0,
        };
        var json = new Option<bool>("--json") { Description = "End stdout with one JSON object: fps, streams, frames, stages, latency_ms {p50, p99}, peak_mb, threads" };
        var command = new Command("bench",
            "Measure frames per second through the pipeline (source → preprocess → model → sink): overall and per stage, " +
            "per-frame latency p50/p99, peak memory, threads")
        {
            source, model, streams, frames, modelOnly, gray.Gray, gray.ExactGray, precision, sequence, json,
        };
        var backend = new BackendOptions();
        backend.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            BackendChoice choice = backend.Resolve(result);
            int streamCount = result.GetValue(streams);
            long total = result.GetValue(frames);
            Limits.CheckStreams(streamCount, "--streams");
            int sequenceSteps = result.GetValue(sequence);
            if (sequenceSteps != 0)
            {
                return RunSequence(result, backend, choice, result.GetValue(model), sequenceSteps, streamCount, result.GetValue(json));
            }
            if (total > Limits.MaxFrames)
            {
                throw new UsageException($"--frames {total} is over the limit of {Limits.MaxFrames} frames per run");
            }
            if (total < streamCount)
            {
                throw new AgentException($"--frames {total} is fewer than one frame per stream ({streamCount} streams)");
            }
            string sourceName = result.GetValue(source)!;
            CpuDeviceOptions cpu = backend.Cpu(result, decodesVideo: sourceName != "synthetic" && !result.GetValue(modelOnly));
            if ((result.GetValue(gray.Gray) is not null || result.GetValue(gray.ExactGray)) && sourceName == "synthetic")
            {
                throw new AgentException("--gray and --exact-gray apply to a video --source; the synthetic source renders its frames");
            }
            string? modelPath = result.GetValue(model);
            InputFiles.Check(modelPath, "model");
            WeightPrecision weights = result.GetValue(precision) == "bf16" ? WeightPrecision.BFloat16 : WeightPrecision.Float32;
            if (weights != WeightPrecision.Float32 && !choice.IsCpu)
            {
                throw new AgentException($"--precision bf16 applies to the CPU backend, not --backend {choice}");
            }
            PolicyModel policyModel;
            using (LinearPrecision.Use(weights))
            {
                policyModel = ModelFactory.Open(modelPath, cpu);
            }
            PreprocessOptions preprocess = ModelFactory.Preprocess(policyModel);
            GrayConversion conversion = LabelCommand.ResolveGray(result, gray, policyModel);
            using PolicyBatchModel policy = ModelFactory.CreateBatchModel(policyModel, choice, streamCount);
            string modelName = (modelPath ?? ModelFactory.DefaultDescription) + (choice.IsCpu
                ? ""
                : $" on {choice} ({policy.Network.Device.Name})") + (weights == WeightPrecision.BFloat16 ? ", bf16 fully connected weights" : "");
            bool memory = result.GetValue(modelOnly);

            // A short warm-up so the report measures steady state, not JIT compilation.
            await RunAsync(policy, Sources(sourceName, preprocess, conversion, streamCount, Math.Min(total, 8L * streamCount), memory, policy.ObservationSize),
                streamCount, sourceName, modelName, cancellationToken);
            BenchReport report = await RunAsync(policy, Sources(sourceName, preprocess, conversion, streamCount, total, memory, policy.ObservationSize),
                streamCount, memory ? $"memory ({sourceName})" : sourceName, modelName, cancellationToken);

            TextWriter output = result.InvocationConfiguration.Output;
            report.WriteTable(output);
            if (result.GetValue(json))
            {
                output.WriteLine(report.ToJson());
            }
            return 0;
        });
        return command;
    }

    private static int RunSequence(ParseResult result, BackendOptions backend, BackendChoice choice, string? modelPath, int steps, int streams, bool json)
    {
        if (steps < 0)
        {
            throw new AgentException($"--sequence must be a positive number of frames, not {steps}");
        }
        CpuDeviceOptions cpu = backend.Cpu(result, decodesVideo: false);
        InputFiles.Check(modelPath, "model");
        PolicyModel policyModel = ModelFactory.Open(modelPath, cpu);
        using ComputeDevice device = choice.IsCpu ? new CpuDevice(cpu) : choice.Open();
        SequenceReport report = SequenceBench.Run(policyModel, device, steps, streams);
        TextWriter output = result.InvocationConfiguration.Output;
        report.WriteTable(output);
        if (json)
        {
            output.WriteLine(report.ToJson());
        }
        return 0;
    }

    private static async Task<BenchReport> RunAsync(IBatchModel policy, IReadOnlyList<IFrameSource> sources, int streams,
        string sourceName, string modelName, CancellationToken cancellationToken)
    {
        try
        {
            return await BenchRunner.RunAsync(policy, sources, new PipelineOptions { MaxBatch = streams }, sourceName, modelName, cancellationToken);
        }
        finally
        {
            foreach (IDisposable disposable in sources.OfType<IDisposable>())
            {
                disposable.Dispose();
            }
        }
    }

    private static IFrameSource[] Sources(string source, PreprocessOptions preprocess, GrayConversion gray, int streams, long total, bool memory,
        int observationSize)
    {
        var sources = new IFrameSource[streams];
        if (memory)
        {
            byte[] observations = ReadyObservations(source, preprocess, gray, observationSize);
            for (int s = 0; s < streams; s++)
            {
                sources[s] = new MemoryFrameSource($"memory #{s}", observations, observationSize, BenchRunner.FramesForStream(total, streams, s));
            }
            return sources;
        }
        try
        {
            for (int s = 0; s < streams; s++)
            {
                long share = BenchRunner.FramesForStream(total, streams, s);
                sources[s] = source == "synthetic"
                    ? new SyntheticFrameSource(s, preprocess, share)
                    : VideoFrameSource.Open(source, preprocess, share, gray);
            }
            return sources;
        }
        catch
        {
            foreach (IDisposable disposable in sources.OfType<IDisposable>())
            {
                disposable.Dispose();
            }
            throw;
        }
    }

    /// <summary>The first observations of the source, preprocessed once, for --model-only.</summary>
    private static byte[] ReadyObservations(string source, PreprocessOptions preprocess, GrayConversion gray, int observationSize)
    {
        IFrameSource reader = source == "synthetic"
            ? new SyntheticFrameSource(0, preprocess, MemoryObservations)
            : VideoFrameSource.Open(source, preprocess, MemoryObservations, gray);
        try
        {
            var observations = new byte[MemoryObservations * observationSize];
            int count = 0;
            while (count < MemoryObservations && reader.Read(observations.AsSpan(count * observationSize, observationSize), out _))
            {
                count++;
            }
            if (count == 0)
            {
                throw new AgentException($"{source}: no frames to benchmark");
            }
            return observations[..(count * observationSize)];
        }
        finally
        {
            (reader as IDisposable)?.Dispose();
        }
    }
}
