using System.Diagnostics;
using System.Globalization;
using AgentRnn.Tests.Vision.Encoders;

namespace AgentRnn.Benchmarks;

/// <summary>
/// `fps --model nature|impala --batch B --seconds S`: steps the encoder on uint8 frames for S seconds after a warm-up
/// and prints one JSON line {"fps", "batch", "frames", "gflops"}, the twin of tools/reference/bench_peer.py --encoder-only.
/// </summary>
internal static class FpsProbe
{
    public static int Run(string[] args)
    {
        string model = Arg(args, "--model", "nature");
        int batch = int.Parse(Arg(args, "--batch", "1"), CultureInfo.InvariantCulture);
        double seconds = double.Parse(Arg(args, "--seconds", "5"), CultureInfo.InvariantCulture);
        Encoder encoder = model == "impala" ? Models.Impala() : Models.Nature();
        double flopsPerFrame = model == "impala" ? Models.ImpalaFlops : Models.NatureFlops;
        // A few distinct frame batches cycled through, as the peer does.
        byte[][] pool = Enumerable.Range(0, 8).Select(i => Models.Frames(batch * encoder.InputSize, i)).ToArray();
        var features = new float[batch * encoder.OutputSize];
        var warm = Stopwatch.StartNew();
        int steps = 0;
        while (warm.Elapsed.TotalSeconds < Math.Min(1.0, seconds / 4) || steps < 3)
        {
            encoder.Forward(pool[steps++ % pool.Length], features, batch);
        }
        steps = 0;
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            encoder.Forward(pool[steps++ % pool.Length], features, batch);
        }
        double elapsed = clock.Elapsed.TotalSeconds;
        double cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        double fps = batch * steps / elapsed;
        // cpu_s counts this process's busy time (kernel threads included), which shows how much of the box it got.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"fps\": {fps:F1}, \"batch\": {batch}, \"frames\": {steps}, \"model\": \"{model}\", \"gflops\": {fps * flopsPerFrame / 1e9:F2}, \"seconds\": {elapsed:F3}, \"cpu_s\": {cpuSeconds:F3}}}"));
        return 0;
    }

    private static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
