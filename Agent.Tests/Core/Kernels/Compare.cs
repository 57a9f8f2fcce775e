using Xunit.Abstractions;

namespace AgentRnn.Tests.Core.Kernels;

/// <summary>Element-wise comparison that reports the worst error, as the numeric tests print it.</summary>
internal static class Compare
{
    /// <summary>Asserts max |expected − actual| ≤ tolerance over the first expected.Length elements and logs the worst error.</summary>
    public static void Within(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance, ITestOutputHelper output, string what)
    {
        Assert.True(actual.Length >= expected.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        float worst = 0f;
        int at = -1;
        for (int i = 0; i < expected.Length; i++)
        {
            float d = MathF.Abs(expected[i] - actual[i]);
            if (!(d <= worst))
            {
                worst = d;
                at = i;
            }
        }
        output.WriteLine($"{what}: max abs error {worst:E3} over {expected.Length} values (tolerance {tolerance:E1})");
        Assert.True(worst <= tolerance, $"{what}: max abs error {worst} at index {at} (expected {(at >= 0 ? expected[at] : 0f)}, got {(at >= 0 ? actual[at] : 0f)}) exceeds {tolerance}");
    }

    /// <summary>Uniform values in [-1, 1) from a seeded generator.</summary>
    public static float[] Random(int count, int seed)
    {
        var rng = new Random(seed);
        var data = new float[count];
        for (int i = 0; i < count; i++)
        {
            data[i] = (float)(rng.NextDouble() * 2.0 - 1.0);
        }
        return data;
    }
}
