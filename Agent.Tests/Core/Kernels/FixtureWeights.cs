using AgentRnn.Core;

namespace AgentRnn.Tests.Core.Kernels;

/// <summary>
/// The counter-based weight generator of tools/reference/fixtures_kernels.py (fixture_tensor), reproduced bit for bit:
/// encoder fixtures store frames and features, not their megabytes of weights.
/// </summary>
internal static class FixtureWeights
{
    /// <summary>Uniform in (−1/√fanIn, 1/√fanIn), seeded by the FNV-1a hash of the name.</summary>
    public static Tensor Create(string name, int fanIn, params int[] shape)
    {
        var t = new Tensor(shape);
        uint seed = Fnv1a(name);
        double bound = 1.0 / Math.Sqrt(fanIn);
        for (int i = 0; i < t.Length; i++)
        {
            double u = (Mix(seed, (uint)i) >> 8) / 16777216.0 * 2.0 - 1.0;
            t.Data[i] = (float)(u * bound);
        }
        return t;
    }

    /// <summary>
    /// A weight source for the encoders' constructors: shapes come from <paramref name="shapes"/> (name → shape),
    /// and a bias takes the fan-in of its layer's weight, as PyTorch's default init does.
    /// </summary>
    public static Func<string, Tensor> Source(IReadOnlyDictionary<string, int[]> shapes) => name =>
    {
        string weight = name[..name.LastIndexOf('.')] + ".weight";
        int fanIn = 1;
        foreach (int d in shapes[weight].AsSpan(1))
        {
            fanIn *= d;
        }
        return Create(name, fanIn, shapes[name]);
    };

    private static uint Fnv1a(string name)
    {
        uint h = 0x811C9DC5;
        foreach (byte b in System.Text.Encoding.UTF8.GetBytes(name))
        {
            h = unchecked((h ^ b) * 0x01000193);
        }
        return h;
    }

    private static uint Mix(uint seed, uint index)
    {
        unchecked
        {
            uint x = index * 0x9E3779B1 + seed * 0x85EBCA77;
            x ^= x >> 16;
            x *= 0x7FEB352D;
            x ^= x >> 15;
            x *= 0x846CA68B;
            x ^= x >> 16;
            return x;
        }
    }
}
