using AgentRnn.Core.Compute;
using System.Diagnostics;
using AgentRnn.Core.Compute.Cpu;
using AgentRnn.Core.Kernels;
using AgentRnn.Host.Network;
using AgentRnn.Host.Pipeline;

namespace AgentRnn.Cli.Bench;

/// <summary>Runs the pipeline over benchmark sources with a counting sink and turns its statistics into a report.</summary>
internal static class BenchRunner
{
    /// <summary>Sums actions so the results are used, and nothing is allocated per frame.</summary>
    private sealed class CountingSink : IResultSink
    {
        public long ActionSum { get; private set; }

        public void OnFrame(in FrameResult result) => ActionSum += result.Action;

        public void OnStreamEnd(in StreamEnd end)
        {
        }
    }

    /// <summary>
    /// Runs every source to its end through <paramref name="model"/> and reports; a <see cref="PolicyBatchModel"/>'s
    /// step is split into its encoder, memory and heads, and its FLOPs give the achieved GFLOP/s (against the FMA peak on the CPU device). Throws the first stream's error
    /// when a source breaks (a benchmark over a broken input measures nothing useful).
    /// </summary>
    public static async Task<BenchReport> RunAsync(IBatchModel model, IReadOnlyList<IFrameSource> sources, PipelineOptions options,
        string sourceName, string modelName, CancellationToken cancellationToken)
    {
        PolicyNetwork? policy = (model as PolicyBatchModel)?.Network;
        policy?.ResetTimes();
        var pipeline = new InferencePipeline(model, options);
        TimeSpan cpuBefore = ProcessCpu();
        PipelineStats stats = await pipeline.RunAsync(sources, new CountingSink(), cancellationToken);
        TimeSpan cpu = ProcessCpu() - cpuBefore;
        foreach (StreamEnd end in stats.Ends)
        {
            if (end.Error is not null)
            {
                throw end.Error;
            }
        }
        cancellationToken.ThrowIfCancellationRequested();

        var stages = new List<BenchStage>();
        if (sources.All(s => s is IStagedFrameSource))
        {
            var staged = sources.Cast<IStagedFrameSource>().ToArray();
            stages.Add(new BenchStage(staged[0].RawStageName, Sum(staged.Select(s => s.RawTime)), stats.Frames));
            stages.Add(new BenchStage("preprocess", Sum(staged.Select(s => s.PreprocessTime)), stats.Frames));
        }
        else
        {
            stages.Add(new BenchStage("source", stats.SourceBusy, stats.Frames));
        }
        stages.Add(new BenchStage("model", stats.ModelBusy, stats.Frames));
        if (policy is not null)
        {
            stages.Add(new BenchStage("encoder", policy.EncoderTime, stats.Frames, IsPart: true));
            stages.Add(new BenchStage("memory", policy.MemoryTime, stats.Frames, IsPart: true));
            stages.Add(new BenchStage("heads", policy.HeadsTime, stats.Frames, IsPart: true));
        }
        stages.Add(new BenchStage("sink", stats.SinkBusy, stats.Frames));

        // The thread cap of the model's own CPU device; accelerators and other models report every kernel thread.
        int threads = policy?.Device is CpuDevice { Options.Threads: > 0 and var cap } ? Math.Min(cap, KernelParallelism.Available) : KernelParallelism.Available;
        using Process process = Process.GetCurrentProcess();
        process.Refresh();
        return new BenchReport
        {
            Source = sourceName,
            Model = modelName,
            Streams = sources.Count,
            Frames = stats.Frames,
            Wall = stats.Wall,
            Cpu = cpu,
            MeanBatch = stats.MeanBatch,
            Stages = stages,
            LatencyP50Ms = stats.Latency.PercentileMs(0.50),
            LatencyP99Ms = stats.Latency.PercentileMs(0.99),
            PeakMb = process.PeakWorkingSet64 / (1024.0 * 1024.0),
            PipelineThreads = stats.Threads,
            ModelThreads = threads,
            ProcessThreads = process.Threads.Count,
            AllocatedBytes = stats.AllocatedBytes,
            FlopsPerFrame = policy?.FlopsPerFrame ?? 0,
            PeakGflops = policy is null || policy.Device.Kind != ComputeBackendKind.Cpu ? 0 : FmaPeak.Gflops(KernelIsa.Current, threads),
            PeakIsa = policy is null || policy.Device.Kind != ComputeBackendKind.Cpu ? "" : KernelIsa.Describe(KernelIsa.Current),
        };
    }

    /// <summary>Splits <paramref name="total"/> frames over <paramref name="streams"/> streams as evenly as possible.</summary>
    public static long FramesForStream(long total, int streams, int stream) => total / streams + (stream < total % streams ? 1 : 0);

    private static TimeSpan ProcessCpu()
    {
        using Process process = Process.GetCurrentProcess();
        return process.TotalProcessorTime;
    }

    private static TimeSpan Sum(IEnumerable<TimeSpan> times) => times.Aggregate(TimeSpan.Zero, (a, b) => a + b);
}
