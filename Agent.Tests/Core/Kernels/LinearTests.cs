using AgentRnn.Core;
using AgentRnn.Core.Kernels;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Core.Kernels;

public class LinearTests(ITestOutputHelper output)
{
    private const float Tolerance = 1e-4f;

    public static TheoryData<string> Cases()
    {
        using KernelFixtures f = KernelFixtures.Open("linear");
        return new TheoryData<string>(f.Cases);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Forward_PyTorchCase_MatchesWithinTolerance(string name)
    {
        using KernelFixtures f = KernelFixtures.Open("linear");
        int[] g = f.Ints(name + ".geometry"); // batch, in, out
        var linear = new Linear(f.Tensor(name + ".weight").Span, f.Tensor(name + ".bias").Span, g[2], g[1]);
        Tensor y = f.Tensor(name + ".y");
        var actual = new float[y.Length];
        linear.Forward(f.Tensor(name + ".x").Span, actual, g[0]);
        Compare.Within(y.Span, actual, Tolerance, output, $"linear {name}");

        float[] relu = y.Data.Select(v => MathF.Max(v, 0f)).ToArray();
        linear.Forward(f.Tensor(name + ".x").Span, actual, g[0], Activation.ReLU);
        Compare.Within(relu, actual, Tolerance, output, $"linear {name} + ReLU");
    }

    [Fact]
    public void Forward_BatchZero_WritesNothing()
    {
        var linear = new Linear(new float[6], [], 2, 3);
        float[] y = [7f, 7f];
        linear.Forward([], y, 0);
        Assert.Equal([7f, 7f], y);
    }

    [Fact]
    public void Constructor_WeightOfWrongLength_ThrowsNamingExpectedShape()
    {
        var e = Assert.Throws<ArgumentException>(() => new Linear(new float[5], [], 2, 3));
        Assert.Contains("(2, 3)", e.Message);
    }

    [Fact]
    public void Forward_InputSpanTooSmall_Throws()
    {
        var linear = new Linear(new float[6], [], 2, 3);
        Assert.Throws<ArgumentException>(() => linear.Forward(new float[5], new float[4], 2));
    }
}
