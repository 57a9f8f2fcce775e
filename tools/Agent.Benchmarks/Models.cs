using AgentRnn.Core;
using AgentRnn.Tests.Vision.Encoders;

namespace AgentRnn.Benchmarks;

/// <summary>The encoders of the bench's models with random weights of PyTorch's default-init scale.</summary>
internal static class Models
{
    /// <summary>FLOPs (2 per multiply-add) of NatureCNN on 4×84×84 → 512 per frame.</summary>
    public const double NatureFlops = 2.0 * (400 * 32 * 256 + 81 * 64 * 512 + 49 * 64 * 576 + 512 * 3136);

    /// <summary>FLOPs of the IMPALA CNN on 3×64×64 (16, 32, 32 channels) → 256 per frame.</summary>
    public const double ImpalaFlops = 2.0 * (
        4096 * 16 * 27 + 4 * 1024 * 16 * 144 +
        1024 * 32 * 144 + 4 * 256 * 32 * 288 +
        256 * 32 * 288 + 4 * 64 * 32 * 288 +
        256 * 2048);

    public static NatureCnn Nature() => new(4, 84, 84, NatureSource());

    /// <summary>NatureCNN's weights by name (the same values on every call in a process).</summary>
    public static Func<string, Tensor> NatureSource() => Source(new Dictionary<string, int[]>
    {
        ["conv1.weight"] = [32, 4, 8, 8], ["conv1.bias"] = [32],
        ["conv2.weight"] = [64, 32, 4, 4], ["conv2.bias"] = [64],
        ["conv3.weight"] = [64, 64, 3, 3], ["conv3.bias"] = [64],
        ["linear.weight"] = [512, 3136], ["linear.bias"] = [512],
    });

    /// <summary>A one-layer LSTM's weights in PyTorch's names (weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0); same values on every call in a process.</summary>
    public static Func<string, Tensor> LstmSource(int inputs, int hidden) => name =>
    {
        int[] shape = name switch
        {
            "weight_ih_l0" => [4 * hidden, inputs],
            "weight_hh_l0" => [4 * hidden, hidden],
            _ => [4 * hidden],
        };
        return new Tensor(Random(shape.Aggregate(1, (a, d) => a * d), name.GetHashCode(StringComparison.Ordinal), 1f / MathF.Sqrt(hidden)), shape);
    };

    public static ImpalaCnn Impala()
    {
        var shapes = new Dictionary<string, int[]>();
        int c = 3;
        foreach ((int s, int d) in new[] { (0, 16), (1, 32), (2, 32) })
        {
            shapes[$"{s}.conv.weight"] = [d, c, 3, 3];
            shapes[$"{s}.conv.bias"] = [d];
            foreach (string r in new[] { "res_block0", "res_block1" })
            {
                foreach (string i in new[] { "conv0", "conv1" })
                {
                    shapes[$"{s}.{r}.{i}.weight"] = [d, d, 3, 3];
                    shapes[$"{s}.{r}.{i}.bias"] = [d];
                }
            }
            c = d;
        }
        shapes["linear.weight"] = [256, 2048];
        shapes["linear.bias"] = [256];
        return new ImpalaCnn(3, 64, 64, Source(shapes));
    }

    public static float[] Random(int count, int seed, float bound = 1f)
    {
        var rng = new Random(seed);
        var data = new float[count];
        for (int i = 0; i < count; i++)
        {
            data[i] = (float)((rng.NextDouble() * 2 - 1) * bound);
        }
        return data;
    }

    public static byte[] Frames(int count, int seed)
    {
        var data = new byte[count];
        new Random(seed).NextBytes(data);
        return data;
    }

    private static Func<string, Tensor> Source(Dictionary<string, int[]> shapes) => name =>
    {
        int[] weight = shapes[name[..name.LastIndexOf('.')] + ".weight"];
        int fanIn = weight.Skip(1).Aggregate(1, (a, d) => a * d);
        int[] shape = shapes[name];
        return new Tensor(Random(shape.Aggregate(1, (a, d) => a * d), name.GetHashCode(StringComparison.Ordinal), 1f / MathF.Sqrt(fanIn)), shape);
    };
}
