using AgentRnn.Core.Kernels;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Core.Kernels;

public class ActivationsTests(ITestOutputHelper output)
{
    private const float Tolerance = 1e-6f;
    private static readonly float[] Inputs = [-30f, -5f, -1.5f, -0.25f, -0f, 0f, 1e-3f, 0.5f, 2f, 7f, 40f];

    [Fact]
    public void Elementwise_KnownInputs_MatchScalarFormulas()
    {
        Check("relu", Activations.Relu, v => Math.Max(v, 0.0));
        Check("leaky_relu", (x, y) => Activations.LeakyRelu(x, y), v => v >= 0 ? v : 0.01 * v);
        Check("leaky_relu(0.2)", (x, y) => Activations.LeakyRelu(x, y, 0.2f), v => v >= 0 ? v : 0.2 * v);
        Check("elu", (x, y) => Activations.Elu(x, y), v => v > 0 ? v : Math.Exp(v) - 1);
        Check("silu", Activations.Silu, v => v / (1 + Math.Exp(-v)));
        Check("sigmoid", Activations.Sigmoid, v => 1 / (1 + Math.Exp(-v)));
        Check("tanh", Activations.Tanh, Math.Tanh);
    }

    [Fact]
    public void Apply_EachActivation_MatchesItsFunction()
    {
        foreach ((Activation act, Func<double, double> f) in new (Activation, Func<double, double>)[]
        {
            (Activation.None, v => v), (Activation.ReLU, v => Math.Max(v, 0.0)),
            (Activation.Tanh, Math.Tanh), (Activation.Sigmoid, v => 1 / (1 + Math.Exp(-v))),
        })
        {
            float[] x = Inputs.ToArray();
            Activations.Apply(act, x);
            Compare.Within(Inputs.Select(v => (float)f(v)).ToArray(), x, Tolerance, output, $"apply {act}");
        }
    }

    [Fact]
    public void Softmax_LargeLogits_IsStableAndSumsToOne()
    {
        float[] x = [1000f, 1001f, 999f, -1000f];
        var y = new float[4];
        Activations.Softmax(x, y);
        double z = Math.Exp(-1) + 1 + Math.Exp(-2);
        Compare.Within([(float)(Math.Exp(-1) / z), (float)(1 / z), (float)(Math.Exp(-2) / z), 0f], y, Tolerance, output, "softmax");
        Assert.Equal(1f, y.Sum(), 5);
    }

    [Fact]
    public void LogSoftmax_LargeLogits_EqualsLogOfSoftmax()
    {
        float[] x = [1000f, 1001f, 999f, 990f];
        var y = new float[4];
        Activations.LogSoftmax(x, y);
        double lse = 1001 + Math.Log(Math.Exp(-1) + 1 + Math.Exp(-2) + Math.Exp(-11));
        Compare.Within(x.Select(v => (float)(v - lse)).ToArray(), y, 1e-4f, output, "log_softmax");
    }

    [Fact]
    public void LeakyRelu_DestinationTooShort_Throws()
    {
        Assert.Throws<ArgumentException>(() => Activations.LeakyRelu(new float[3], new float[2]));
    }

    private void Check(string name, SpanAction op, Func<double, double> reference)
    {
        var y = new float[Inputs.Length];
        op(Inputs, y);
        Compare.Within(Inputs.Select(v => (float)reference(v)).ToArray(), y, Tolerance, output, name);
    }

    private delegate void SpanAction(ReadOnlySpan<float> x, Span<float> y);
}
