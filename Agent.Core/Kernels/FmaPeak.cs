using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace AgentRnn.Core.Kernels;

/// <summary>
/// This machine's multiply-add peak, measured rather than written down: a short calibration (a few ms) runs a loop of
/// independent multiply-adds at one <see cref="IsaLevel"/>'s vector width on each of the given number of threads at
/// once. Per thread the fastest of several rounds of a fraction of a millisecond counts, a round the scheduler did not
/// interrupt, so a busy machine still yields its unloaded peak; the threads' rates add up. The figure is cached per
/// machine in a small text file ($XDG_CACHE_HOME/agentrnn/fma-peak.tsv, else ~/.cache/agentrnn/fma-peak.tsv) under the
/// CPU model, processor count, level and thread count; a file that cannot be read or written just means measuring again.
/// </summary>
internal static class FmaPeak
{
    private const int Accumulators = 12;  // independent chains: enough to cover 2 FMA pipes × 4–5 cycles of latency
    private const int Iterations = 100_000;
    private const int Rounds = 12;

    private static readonly Dictionary<string, double> Known = new(StringComparer.Ordinal);

    /// <summary>The cache file: $XDG_CACHE_HOME/agentrnn/fma-peak.tsv, else ~/.cache/agentrnn/fma-peak.tsv.</summary>
    public static string CachePath
    {
        get
        {
            string? root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (string.IsNullOrEmpty(root))
            {
                root = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            }
            return Path.Combine(root, "agentrnn", "fma-peak.tsv");
        }
    }

    /// <summary>
    /// GFLOP/s (2 per multiply-add) of <paramref name="threads"/> threads at <paramref name="level"/>, from the cache or
    /// measured once and cached. The level must be one this CPU accelerates (at most <see cref="KernelIsa.Best"/>).
    /// </summary>
    public static double Gflops(IsaLevel level, int threads) => Gflops(level, threads, CachePath);

    /// <summary>As <see cref="Gflops(IsaLevel, int)"/> with the cache in <paramref name="cacheFile"/>.</summary>
    internal static double Gflops(IsaLevel level, int threads, string cacheFile)
    {
        if (level > KernelIsa.Best)
        {
            throw new ArgumentOutOfRangeException(nameof(level), $"{level} is not accelerated on this CPU (best: {KernelIsa.Best})");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        string key = Key(level, threads);
        lock (Known)
        {
            if (Known.TryGetValue(cacheFile + "\n" + key, out double known))
            {
                return known;
            }
            double gflops = Read(cacheFile, key) ?? Measure(level, threads);
            Write(cacheFile, key, gflops);
            Known[cacheFile + "\n" + key] = gflops;
            return gflops;
        }
    }

    /// <summary>Runs the calibration now, without the cache.</summary>
    internal static double Measure(IsaLevel level, int threads)
    {
        var best = new double[threads];
        using var start = new Barrier(threads);
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int slot = t;
            workers[t] = new Thread(() =>
            {
                start.SignalAndWait();
                double fastest = double.MaxValue;
                for (int r = 0; r < Rounds; r++)
                {
                    long before = Stopwatch.GetTimestamp();
                    Loop(level, Iterations);
                    fastest = Math.Min(fastest, Stopwatch.GetElapsedTime(before).TotalSeconds);
                }
                best[slot] = fastest;
            }) { IsBackground = true, Name = "agent-fma-peak" };
            workers[t].Start();
        }
        foreach (Thread worker in workers)
        {
            worker.Join();
        }
        double flopsPerRound = 2.0 * Accumulators * Lanes(level) * Iterations;
        return best.Sum(seconds => flopsPerRound / seconds) / 1e9;
    }

    /// <summary>The cache key: CPU model, processor count, level and threads.</summary>
    /// <remarks>
    /// An unoptimized (Debug) build measures its own, far lower figure, kept apart so it never stands for the real peak.
    /// </remarks>
    internal static string Key(IsaLevel level, int threads) =>
        string.Create(CultureInfo.InvariantCulture, $"{CpuModel()}|{Environment.ProcessorCount} cpus|{level}|{threads} threads{(Optimized ? "" : "|unoptimized build")}");

    private static bool Optimized { get; } =
        typeof(FmaPeak).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false) is not [DebuggableAttribute { IsJITOptimizerDisabled: true }];

    private static int Lanes(IsaLevel level) => level switch
    {
        IsaLevel.Vector512 => Vector512<float>.Count,
        IsaLevel.Vector256 => Vector256<float>.Count,
        IsaLevel.Vector128 => Vector128<float>.Count,
        _ => 1,
    };

    private static void Loop(IsaLevel level, int iterations)
    {
        float sink = level switch
        {
            IsaLevel.Vector512 => Loop512(iterations),
            IsaLevel.Vector256 => Loop256(iterations),
            IsaLevel.Vector128 => Loop128(iterations),
            _ => LoopScalar(iterations),
        };
        // The sums must look used, or the loops could be dropped; they never equal this value.
        if (sink == float.Epsilon)
        {
            throw new InvalidOperationException("unreachable");
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop512(int n)
    {
        Vector512<float> m = Vector512.Create(0.999999f), d = Vector512.Create(1e-7f);
        Vector512<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
        for (int i = 0; i < n; i++)
        {
            a0 = Simd.MulAdd(a0, m, d); a1 = Simd.MulAdd(a1, m, d); a2 = Simd.MulAdd(a2, m, d); a3 = Simd.MulAdd(a3, m, d);
            a4 = Simd.MulAdd(a4, m, d); a5 = Simd.MulAdd(a5, m, d); a6 = Simd.MulAdd(a6, m, d); a7 = Simd.MulAdd(a7, m, d);
            a8 = Simd.MulAdd(a8, m, d); a9 = Simd.MulAdd(a9, m, d); a10 = Simd.MulAdd(a10, m, d); a11 = Simd.MulAdd(a11, m, d);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop256(int n)
    {
        Vector256<float> m = Vector256.Create(0.999999f), d = Vector256.Create(1e-7f);
        Vector256<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
        for (int i = 0; i < n; i++)
        {
            a0 = Simd.MulAdd(a0, m, d); a1 = Simd.MulAdd(a1, m, d); a2 = Simd.MulAdd(a2, m, d); a3 = Simd.MulAdd(a3, m, d);
            a4 = Simd.MulAdd(a4, m, d); a5 = Simd.MulAdd(a5, m, d); a6 = Simd.MulAdd(a6, m, d); a7 = Simd.MulAdd(a7, m, d);
            a8 = Simd.MulAdd(a8, m, d); a9 = Simd.MulAdd(a9, m, d); a10 = Simd.MulAdd(a10, m, d); a11 = Simd.MulAdd(a11, m, d);
        }
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop128(int n)
    {
        Vector128<float> m = Vector128.Create(0.999999f), d = Vector128.Create(1e-7f);
        Vector128<float> a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
        for (int i = 0; i < n; i++)
        {
            a0 = Simd.MulAdd(a0, m, d); a1 = Simd.MulAdd(a1, m, d); a2 = Simd.MulAdd(a2, m, d); a3 = Simd.MulAdd(a3, m, d);
            a4 = Simd.MulAdd(a4, m, d); a5 = Simd.MulAdd(a5, m, d); a6 = Simd.MulAdd(a6, m, d); a7 = Simd.MulAdd(a7, m, d);
            a8 = Simd.MulAdd(a8, m, d); a9 = Simd.MulAdd(a9, m, d); a10 = Simd.MulAdd(a10, m, d); a11 = Simd.MulAdd(a11, m, d);
        }
        return Vector128.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float LoopScalar(int n)
    {
        float m = 0.999999f, d = 1e-7f;
        float a0 = m, a1 = m, a2 = m, a3 = m, a4 = m, a5 = m, a6 = m, a7 = m, a8 = m, a9 = m, a10 = m, a11 = m;
        for (int i = 0; i < n; i++)
        {
            a0 = a0 * m + d; a1 = a1 * m + d; a2 = a2 * m + d; a3 = a3 * m + d; a4 = a4 * m + d; a5 = a5 * m + d;
            a6 = a6 * m + d; a7 = a7 * m + d; a8 = a8 * m + d; a9 = a9 * m + d; a10 = a10 * m + d; a11 = a11 * m + d;
        }
        return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    }

    // "AMD EPYC 7B13" from /proc/cpuinfo on Linux; elsewhere the architecture and OS.
    private static string CpuModel()
    {
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                foreach (string line in File.ReadLines("/proc/cpuinfo"))
                {
                    if (line.StartsWith("model name", StringComparison.Ordinal) || line.StartsWith("Model", StringComparison.Ordinal))
                    {
                        return line[(line.IndexOf(':') + 1)..].Trim().Replace('|', '/');
                    }
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return $"{RuntimeInformation.ProcessArchitecture} {RuntimeInformation.OSDescription}".Replace('|', '/');
    }

    private static double? Read(string file, string key)
    {
        try
        {
            foreach (string line in File.ReadLines(file))
            {
                int tab = line.LastIndexOf('\t');
                if (tab > 0 && line.AsSpan(0, tab).SequenceEqual(key)
                    && double.TryParse(line.AsSpan(tab + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
                    && double.IsFinite(value) && value > 0)
                {
                    return value;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
    }

    // Keeps the file's other well-formed lines, replaces this key's, and swaps the file in atomically.
    private static void Write(string file, string key, double gflops)
    {
        try
        {
            var lines = new List<string>();
            if (File.Exists(file))
            {
                lines.AddRange(File.ReadLines(file).Where(l => l.Contains('\t', StringComparison.Ordinal) && !l.StartsWith(key + "\t", StringComparison.Ordinal)));
            }
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"{key}\t{gflops:R}"));
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            string temporary = $"{file}.{Environment.ProcessId}.tmp";
            File.WriteAllLines(temporary, lines);
            File.Move(temporary, file, overwrite: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
