using System.Diagnostics;
using System.Globalization;
using AgentRnn.Host.Models;

namespace AgentRnn.Benchmarks;

/// <summary>
/// `model --batch B --seconds S`: the bench's default PolicyModel stepped directly (no pipeline) on uint8 frames with
/// persistent state, printing per-part times (encoder, memory, heads), fps, and GFLOP/s over wall and CPU time.
/// The gap between this and `agent bench --model-only` is the pipeline's own cost.
/// </summary>
internal static class ModelProbe
{
    public static int Run(string[] args)
    {
        int batch = int.Parse(Arg(args, "--batch", "1"), CultureInfo.InvariantCulture);
        double seconds = double.Parse(Arg(args, "--seconds", "3"), CultureInfo.InvariantCulture);
        PolicyModel model = PolicyModel.CreateDefault(0);
        PolicyOutputs outputs = model.CreateOutputs(batch);
        byte[][] pool = Enumerable.Range(0, 8).Select(i => Models.Frames(batch * model.InputSize, i)).ToArray();
        var state = new float[batch * model.StateSize];
        model.EnsureCapacity(batch);
        var warm = Stopwatch.StartNew();
        int steps = 0;
        while (warm.Elapsed.TotalSeconds < Math.Min(1.0, seconds / 4) || steps < 3)
        {
            model.Step(pool[steps++ % pool.Length], state, [], outputs, batch);
        }
        model.ResetTimes();
        steps = 0;
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            model.Step(pool[steps++ % pool.Length], state, [], outputs, batch);
        }
        double elapsed = clock.Elapsed.TotalSeconds;
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        double frames = (double)batch * steps;
        double flops = model.FlopsPerFrame * frames;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"fps\": {frames / elapsed:F1}, \"batch\": {batch}, \"steps\": {steps}, \"gflops\": {flops / elapsed / 1e9:F2}, \"gflops_per_cpu_s\": {flops / cpuSeconds / 1e9:F2}, "
            + $"\"encoder_ms\": {model.EncoderTime.TotalMilliseconds / steps:F3}, \"memory_ms\": {model.MemoryTime.TotalMilliseconds / steps:F3}, \"heads_ms\": {model.HeadsTime.TotalMilliseconds / steps:F3}, "
            + $"\"seconds\": {elapsed:F3}, \"cpu_s\": {cpuSeconds:F3}, \"alloc_bytes\": {allocated}}}"));
        return 0;
    }

    private static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
