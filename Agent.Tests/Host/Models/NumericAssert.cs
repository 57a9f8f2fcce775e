using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Models;

/// <summary>Max-abs-error comparisons that print the worst error.</summary>
internal static class NumericAssert
{
    public static float MaxAbsError(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0f;
        for (int i = 0; i < expected.Length; i++)
        {
            float e = Math.Abs(expected[i] - actual[i]);
            if (!(e <= worst))
            {
                worst = float.IsNaN(e) ? float.PositiveInfinity : e;
            }
        }
        return worst;
    }

    public static void Close(ITestOutputHelper output, string what, ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance)
    {
        float worst = MaxAbsError(expected, actual);
        output.WriteLine($"{what}: max abs error {worst:E2} (tolerance {tolerance:E0})");
        Assert.True(worst <= tolerance, $"{what}: max abs error {worst} exceeds {tolerance}");
    }
}
