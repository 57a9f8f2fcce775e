using System.Globalization;
using AgentRnn.Core;
using AgentRnn.Core.SafeTensors;
using AgentRnn.Memory;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Tests.Memory;

/// <summary>A golden fixture written by tools/reference/fixtures_memory.py: all tensors plus the metadata.</summary>
internal sealed class MemoryFixture
{
    /// <summary>Absolute tolerance against PyTorch on outputs and states.</summary>
    public const float Tolerance = 1e-4f;

    private MemoryFixture(Dictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
    }

    public Dictionary<string, Tensor> Tensors { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public Tensor this[string name] => Tensors[name];

    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", "memory", name + ".safetensors");

    public static MemoryFixture Load(string name)
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(PathOf(name));
        var tensors = file.Tensors.ToDictionary(t => t.Name, t => file.ReadTensor(t.Name));
        return new MemoryFixture(tensors, file.Metadata.ToDictionary());
    }

    public int Int(string key) => int.Parse(Metadata[key], CultureInfo.InvariantCulture);

    public CellKind Kind => Enum.Parse<CellKind>(Metadata["kind"], ignoreCase: true);

    /// <summary>The core described by the metadata, built from the fixture's parameters.</summary>
    public RecurrentCore Core() => RecurrentCore.Create(Kind, Int("input_size"), Int("hidden_size"), Int("layers"), name => Tensors[name]);

    public static float MaxAbsDiff(ReadOnlySpan<float> actual, ReadOnlySpan<float> expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0f;
        for (int i = 0; i < expected.Length; i++)
        {
            float d = MathF.Abs(actual[i] - expected[i]);
            worst = float.IsNaN(d) ? float.PositiveInfinity : MathF.Max(worst, d);
        }
        return worst;
    }

    /// <summary>
    /// The twin's counter-based splitmix64 weights: value i = ((z_i &gt;&gt; 40) − 2²³) / 2²³ · bound, bit-identical to
    /// fixtures_memory.py's splitmix_uniform (every float operation is exact).
    /// </summary>
    public static float[] SplitMixUniform(ulong seed, int count, float bound)
    {
        const ulong golden = 0x9E3779B97F4A7C15UL;
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            ulong z = unchecked(seed + (ulong)(i + 1) * golden);
            z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
            z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
            z ^= z >> 31;
            long u = (long)(z >> 40) - (1L << 23);
            values[i] = (float)u / (1 << 23) * bound;
        }
        return values;
    }

    /// <summary>Random PyTorch-layout parameters for a core, uniform in ±1/√H as PyTorch initializes them.</summary>
    public static Dictionary<string, Tensor> RandomParameters(CellKind kind, int inputSize, int hiddenSize, int layers, int seed)
    {
        var random = new Random(seed);
        int gates = kind switch { CellKind.Lstm => 4, CellKind.Gru => 3, _ => 1 };
        float bound = 1f / MathF.Sqrt(hiddenSize);
        Tensor Uniform(params int[] shape)
        {
            var t = new Tensor(shape);
            for (int i = 0; i < t.Length; i++)
            {
                t.Data[i] = (float)(random.NextDouble() * 2 - 1) * bound;
            }
            return t;
        }
        var parameters = new Dictionary<string, Tensor>();
        for (int l = 0; l < layers; l++)
        {
            parameters[$"weight_ih_l{l}"] = Uniform(gates * hiddenSize, l == 0 ? inputSize : hiddenSize);
            parameters[$"weight_hh_l{l}"] = Uniform(gates * hiddenSize, hiddenSize);
            parameters[$"bias_ih_l{l}"] = Uniform(gates * hiddenSize);
            parameters[$"bias_hh_l{l}"] = Uniform(gates * hiddenSize);
        }
        return parameters;
    }

    public static float[] RandomFloats(Random random, int count, float scale = 1f)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        }
        return values;
    }
}
