using System.Diagnostics;
using System.Globalization;
using AgentRnn.Core;
using AgentRnn.Core.Compute;
using AgentRnn.Core.Compute.Cpu;
using AgentRnn.Core.Recurrent;
using AgentRnn.Host.Network;
using AgentRnn.Tests.Vision.Encoders;

namespace AgentRnn.Benchmarks;

/// <summary>
/// `paths --batch B --steps N`: the same NatureCNN (4×84×84 → 512) and LSTM 512→256 run two ways in one process,
/// alternating call by call so the machine's drift hits both alike: (A) the kernels called directly on host arrays
/// (the encoder oracle and <see cref="RecurrentCore.Step"/> on a host state array, as PolicyModel ran before the one
/// network), (B) the one network's own encoder (NetworkEncoder's NatureCNN on a CpuDevice) and recurrent layer over slots.
/// Prints the median per-call time of each and the median of the per-call ratios B ÷ A.
/// </summary>
internal static class LayerPathProbe
{
    public static int Run(string[] args)
    {
        int batch = int.Parse(Arg(args, "--batch", "64"), CultureInfo.InvariantCulture);
        int steps = int.Parse(Arg(args, "--steps", "400"), CultureInfo.InvariantCulture);
        Func<string, Tensor> weights = Models.NatureSource();
        NatureCnn oracle = new(4, 84, 84, weights);
        using var device = new CpuDevice();
        using var encoder = new NatureCnnEncoder(device, 4, 84, 84, weights, 1f / 255f);
        DeviceBuffer<float> features = device.Allocate<float>(batch * 512);
        DeviceBuffer<float> latent = device.Allocate<float>(batch * 256);

        Func<string, Tensor> lstm = Models.LstmSource(512, 256);
        RecurrentCore core = RecurrentCore.Create(CellKind.Lstm, 512, 256, 1, lstm);
        RecurrentLayer layer = device.CreateRecurrent(new RecurrentSpec(CellKind.Lstm, 512, 256), lstm, batch);
        var state = new float[batch * core.StateSize];
        var hostFeatures = new float[batch * 512];
        var hostLatent = new float[batch * 256];
        int[] slots = Enumerable.Range(0, batch).ToArray();
        byte[][] pool = Enumerable.Range(0, 4).Select(i => Models.Frames(batch * 4 * 84 * 84, i)).ToArray();

        var encA = new List<double>();
        var encB = new List<double>();
        var memA = new List<double>();
        var memB = new List<double>();
        for (int s = -20; s < steps; s++)
        {
            byte[] frames = pool[(s + 20) % pool.Length];
            for (int order = 0; order < 2; order++)
            {
                bool a = (order == 0) == (s % 2 == 0);
                long t0 = Stopwatch.GetTimestamp();
                if (a)
                {
                    oracle.Forward(frames, hostFeatures, batch);
                }
                else
                {
                    encoder.Forward(frames, features, batch);
                }
                long t1 = Stopwatch.GetTimestamp();
                if (a)
                {
                    core.Step(hostFeatures, state, hostLatent, batch);
                }
                else
                {
                    layer.Sequence(features, slots, default, latent, 1, batch);
                }
                long t2 = Stopwatch.GetTimestamp();
                if (s >= 0)
                {
                    (a ? encA : encB).Add(Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
                    (a ? memA : memB).Add(Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds);
                }
            }
        }
        Report("encoder", encA, encB);
        Report("memory", memA, memB);
        Report("both", encA.Zip(memA, (x, y) => x + y).ToList(), encB.Zip(memB, (x, y) => x + y).ToList());
        return 0;
    }

    private static void Report(string part, List<double> a, List<double> b)
    {
        double[] ratios = a.Zip(b, (x, y) => y / x).ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{part}: A (kernels on host arrays) median {Median(a):F4} ms, B (device layers) median {Median(b):F4} ms; B/A median of per-call ratios {Median(ratios):F4}, quartiles {Quantile(ratios, 0.25):F4}..{Quantile(ratios, 0.75):F4} over {ratios.Length} calls"));
    }

    private static double Median(IEnumerable<double> x) => Quantile(x, 0.5);

    private static double Quantile(IEnumerable<double> x, double q)
    {
        double[] s = x.Order().ToArray();
        return s[(int)Math.Round(q * (s.Length - 1))];
    }

    private static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
