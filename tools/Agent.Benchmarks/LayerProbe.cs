using System.Diagnostics;
using System.Globalization;
using AgentRnn.Core.Kernels;

namespace AgentRnn.Benchmarks;

/// <summary>
/// `layers --batch B --seconds S`: each NatureCNN layer alone, reporting GFLOP/s over wall time and over this process's
/// CPU time (the second shows kernel efficiency on a machine shared with other work; run with DOTNET_PROCESSOR_COUNT=1
/// for a single-thread figure), and over the fastest single call (the one the scheduler did not interrupt).
/// `layers --gemm "m,n,k;m,n,k" --seconds S` times only the micro-kernel on cache-resident operands at those shapes.
/// </summary>
internal static class LayerProbe
{
    public static int Run(string[] args)
    {
        int i = Array.IndexOf(args, "--batch");
        int batch = i >= 0 ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : 1;
        i = Array.IndexOf(args, "--seconds");
        double seconds = i >= 0 ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : 1;

        var conv1 = new Conv2d(Models.Random(32 * 4 * 64, 1, 0.06f), Models.Random(32, 2), 4, 32, 8, 8, 4, 0);
        var conv2 = new Conv2d(Models.Random(64 * 32 * 16, 3, 0.04f), Models.Random(64, 4), 32, 64, 4, 4, 2, 0);
        var conv3 = new Conv2d(Models.Random(64 * 64 * 9, 5, 0.04f), Models.Random(64, 6), 64, 64, 3, 3, 1, 0);
        var linear = new Linear(Models.Random(512 * 3136, 7, 0.02f), Models.Random(512, 8), 512, 3136);
        var gates = new Linear(Models.Random(1024 * 768, 13, 0.03f), Models.Random(1024, 14), 1024, 768);
        float[] xh = Models.Random(batch * 768, 15);
        float[] preactivations = new float[batch * 1024];
        byte[] frames = Models.Frames(batch * 4 * 84 * 84, 9);
        float[] a1 = Models.Random(batch * 400 * 32, 10);
        float[] a2 = Models.Random(batch * 81 * 64, 11);
        float[] a3 = Models.Random(batch * 49 * 64, 12);
        float[] features = new float[batch * 512];
        float[] scratch = new float[new[] { conv1.ScratchSize(batch, 84, 84), conv2.ScratchSize(batch, 20, 20), conv3.ScratchSize(batch, 9, 9) }.Max()];

        i = Array.IndexOf(args, "--gemm");
        if (i >= 0)
        {
            // Only the micro-kernel on cache-resident operands, at the listed shapes (m,n,k;m,n,k...).
            foreach (string shape in args[i + 1].Split(';'))
            {
                int[] d = shape.Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                MeasureKernel(d[0], d[1], d[2], seconds);
            }
            return 0;
        }
        MeasureKernel(48, 32, 256, seconds);
        MeasureKernel(400, 32, 256, seconds);
        Measure("conv1 uint8 4x84x84 -> 32x20x20", 2.0 * batch * 400 * 32 * 256, seconds, () => conv1.ForwardNhwc(frames, a1, batch, 84, 84, Fusion.ReluOutput, scratch));
        float[] floatNchw = frames.Select(v => v / 255f).ToArray();
        float[] floatNhwc = new float[floatNchw.Length];
        for (int n = 0; n < batch; n++)
        {
            for (int c = 0; c < 4; c++)
            {
                for (int p = 0; p < 84 * 84; p++)
                {
                    floatNhwc[(n * 84 * 84 + p) * 4 + c] = floatNchw[(n * 4 + c) * 84 * 84 + p];
                }
            }
        }
        // The same convolution on float input read in place: 32 segments of 8 floats per receptive field (NCHW) or 8 of 32 (NHWC).
        Measure("conv1 float NCHW in place", 2.0 * batch * 400 * 32 * 256, seconds, () => conv1.ForwardNhwc(floatNchw, Layout.Nchw, a1, batch, 84, 84, Fusion.ReluOutput, scratch));
        Measure("conv1 float NHWC in place", 2.0 * batch * 400 * 32 * 256, seconds, () => conv1.ForwardNhwc(floatNhwc, Layout.Nhwc, a1, batch, 84, 84, Fusion.ReluOutput, scratch));
        Measure("conv2 32x20x20 -> 64x9x9", 2.0 * batch * 81 * 64 * 512, seconds, () => conv2.ForwardNhwc(a1, Layout.Nhwc, a2, batch, 20, 20, Fusion.ReluOutput, scratch));
        Measure("conv3 64x9x9 -> 64x7x7", 2.0 * batch * 49 * 64 * 576, seconds, () => conv3.ForwardNhwc(a2, Layout.Nhwc, a3, batch, 9, 9, Fusion.ReluOutput, scratch));
        Measure("linear 3136 -> 512", 2.0 * batch * 512 * 3136, seconds, () => linear.Forward(a3, features, batch, Activation.ReLU));
        Measure("LSTM gates [x;h] 768 -> 1024", 2.0 * batch * 1024 * 768, seconds, () => gates.Forward(xh, preactivations, batch));
        return 0;
    }

    // The micro-kernel on cache-resident operands (weights packed once): its ceiling for the layers above.
    private static unsafe void MeasureKernel(int m, int n, int k, double seconds)
    {
        PackedPanels b = PackedPanels.FromTransposed(Models.Random(n * k, 1, 0.05f), Models.Random(n, 2), n, k);
        float[] a = GC.AllocateArray<float>(m * k, pinned: true);
        Models.Random(m * k, 3).CopyTo(a, 0);
        float[] c = GC.AllocateArray<float>(m * n, pinned: true);
        Measure($"gemm {m}x{n}x{k} (cache-resident)", 2.0 * m * n * k, seconds, () =>
        {
            fixed (float* pa = a)
            fixed (float* pc = c)
            {
                GemmCore.Run(pa, k, m, k, n, b.Data, b.Bias, pc, n, accumulate: false, relu: true);
            }
        });
    }

    private static void Measure(string name, double flops, double seconds, Action step)
    {
        var warm = Stopwatch.StartNew();
        while (warm.Elapsed.TotalSeconds < 0.3)
        {
            step();
        }
        int n = 0;
        long fastest = long.MaxValue;
        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            long t0 = Stopwatch.GetTimestamp();
            step();
            fastest = Math.Min(fastest, Stopwatch.GetTimestamp() - t0);
            n++;
        }
        double wall = clock.Elapsed.TotalSeconds;
        double busy = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        double best = (double)fastest / Stopwatch.Frequency;
        // The fastest call is the one the scheduler did not interrupt: on a loaded machine the kernel's own speed.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-34} {wall / n * 1e6,10:F1} us  {flops * n / wall / 1e9,6:F1} GFLOP/s wall  {flops * n / busy / 1e9,6:F1} GFLOP/s per CPU-second  {flops / best / 1e9,6:F1} GFLOP/s fastest call"));
    }
}
