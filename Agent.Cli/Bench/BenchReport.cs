using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace AgentRnn.Cli.Bench;

/// <summary>What `agent bench` measured, printed as a table and, with --json, as one JSON object.</summary>
internal sealed class BenchReport
{
    /// <summary>"synthetic", "memory" (--model-only) or the video's path.</summary>
    public required string Source { get; init; }

    /// <summary>The model, in words.</summary>
    public required string Model { get; init; }

    /// <summary>Concurrent streams.</summary>
    public required int Streams { get; init; }

    /// <summary>Frames through the model, all streams.</summary>
    public required long Frames { get; init; }

    /// <summary>Wall time of the run.</summary>
    public required TimeSpan Wall { get; init; }

    /// <summary>
    /// CPU time of the whole process during the run (all threads: pipeline, kernel workers, runtime); on a machine
    /// shared with other work, frames per CPU-second say more about efficiency than frames per wall second.
    /// </summary>
    public TimeSpan Cpu { get; init; }

    /// <summary>Mean frames per batched model step.</summary>
    public required double MeanBatch { get; init; }

    /// <summary>Each stage's busy time.</summary>
    public required IReadOnlyList<BenchStage> Stages { get; init; }

    /// <summary>Median per-frame latency (source ready → result), ms.</summary>
    public required double LatencyP50Ms { get; init; }

    /// <summary>99th-percentile per-frame latency, ms.</summary>
    public required double LatencyP99Ms { get; init; }

    /// <summary>Peak working set of the process, MiB.</summary>
    public required double PeakMb { get; init; }

    /// <summary>Stage threads the pipeline started.</summary>
    public required int PipelineThreads { get; init; }

    /// <summary>The most threads one model kernel call used (--threads: the cap of the model's CPU device, <see cref="AgentRnn.Core.Compute.Cpu.CpuDeviceOptions.Threads"/>).</summary>
    public required int ModelThreads { get; init; }

    /// <summary>Threads in the process at the end (stage threads, kernel workers, runtime).</summary>
    public required int ProcessThreads { get; init; }

    /// <summary>Managed bytes the pipeline's threads allocated during the run: buffers made at start-up; nothing per frame.</summary>
    public required long AllocatedBytes { get; init; }

    /// <summary>Floating-point operations per frame of the model (2 per multiply-add), or 0 when unknown.</summary>
    public long FlopsPerFrame { get; init; }

    /// <summary>
    /// The FMA peak GFLOP/s achieved figures are compared with: this machine's, measured at <see cref="PeakIsa"/> on the
    /// model's threads (<see cref="AgentRnn.Core.Kernels.FmaPeak"/>), or 0 when the model does not run on the CPU kernels.
    /// </summary>
    public double PeakGflops { get; init; }

    /// <summary>The kernels' instruction set the peak was measured at, e.g. "AVX2"; empty with no peak.</summary>
    public string PeakIsa { get; init; } = "";

    /// <summary>Frames per second over the wall time.</summary>
    public double Fps => Wall > TimeSpan.Zero ? Frames / Wall.TotalSeconds : 0;

    /// <summary>Model GFLOP/s over the wall time (every frame's <see cref="FlopsPerFrame"/>).</summary>
    public double Gflops => Fps * FlopsPerFrame / 1e9;

    /// <summary>Model GFLOP/s over the model stage's busy time: the speed of the model step itself, without the pipeline around it.</summary>
    public double ModelGflops => Stages.FirstOrDefault(s => s.Name == "model").Fps * FlopsPerFrame / 1e9;

    /// <summary><see cref="Gflops"/> as a share of <see cref="PeakGflops"/>, or 0 with no peak.</summary>
    public double PeakShare => PeakGflops > 0 ? Gflops / PeakGflops : 0;

    /// <summary>The report as one line of JSON (no trailing newline).</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteNumber("fps", Round(Fps));
            json.WriteNumber("streams", Streams);
            json.WriteNumber("frames", Frames);
            json.WriteNumber("seconds", Round(Wall.TotalSeconds));
            json.WriteNumber("cpu_s", Round(Cpu.TotalSeconds));
            json.WriteString("source", Source);
            json.WriteString("model", Model);
            json.WriteNumber("mean_batch", Round(MeanBatch));
            json.WriteStartObject("stages");
            foreach (BenchStage stage in Stages)
            {
                json.WriteStartObject(stage.Name);
                json.WriteNumber("fps", Round(stage.Fps));
                json.WriteNumber("busy_s", Round(stage.Busy.TotalSeconds));
                json.WriteNumber("ms_per_frame", Round(stage.Frames > 0 ? stage.Busy.TotalMilliseconds / stage.Frames : 0));
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteStartObject("latency_ms");
            json.WriteNumber("p50", Round(LatencyP50Ms));
            json.WriteNumber("p99", Round(LatencyP99Ms));
            json.WriteEndObject();
            json.WriteNumber("flops_per_frame", FlopsPerFrame);
            json.WriteNumber("gflops", Round(Gflops));
            json.WriteNumber("model_gflops", Round(ModelGflops));
            json.WriteNumber("peak_gflops", Round(PeakGflops));
            json.WriteString("peak_isa", PeakIsa);
            json.WriteNumber("peak_share", Round(PeakShare));
            json.WriteNumber("peak_mb", Round(PeakMb));
            json.WriteNumber("threads", PipelineThreads);
            json.WriteNumber("model_threads", ModelThreads);
            json.WriteNumber("process_threads", ProcessThreads);
            json.WriteNumber("alloc_kb", Round(AllocatedBytes / 1024.0));
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes the human-readable table.</summary>
    public void WriteTable(TextWriter output)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"agent bench: {Frames} frames, {Streams} stream(s), {Wall.TotalSeconds:F2} s, {Fps:F1} fps"));
        console.WriteLine($"source: {Source}");
        console.WriteLine($"model: {Model}");
        var table = new Table().AddColumn("stage").AddColumn(new TableColumn("busy s").RightAligned())
            .AddColumn(new TableColumn("fps").RightAligned()).AddColumn(new TableColumn("ms/frame").RightAligned());
        foreach (BenchStage stage in Stages)
        {
            table.AddRow(stage.IsPart ? "  " + stage.Name : stage.Name, F(stage.Busy.TotalSeconds, "F3"), F(stage.Fps, "F1"),
                F(stage.Frames > 0 ? stage.Busy.TotalMilliseconds / stage.Frames : 0, "F3"));
        }
        table.AddRow("overall", F(Wall.TotalSeconds, "F3"), F(Fps, "F1"), F(Frames > 0 ? Wall.TotalMilliseconds / Frames : 0, "F3"));
        console.Write(table);
        if (FlopsPerFrame > 0)
        {
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"model: {FlopsPerFrame / 1e6:F1} MFLOP/frame; {Gflops:F1} GFLOP/s over the wall time{PeakText}, {ModelGflops:F1} GFLOP/s over the model's busy time"));
        }
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"latency p50 {LatencyP50Ms:F2} ms, p99 {LatencyP99Ms:F2} ms; mean batch {MeanBatch:F1}; peak {PeakMb:F0} MB"));
        console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"threads: {PipelineThreads} pipeline, model kernels on {ModelThreads}, {ProcessThreads} in the process; {AllocatedBytes / 1024.0:F0} KB allocated by them (start-up buffers)"));
    }

    private string PeakText => PeakGflops > 0
        ? string.Create(CultureInfo.InvariantCulture, $" ({PeakShare:P1} of the measured {PeakGflops:F0} GFLOP/s {PeakIsa} FMA peak on {ModelThreads} thread(s))")
        : "";

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static double Round(double value) => Math.Round(value, 3);
}
