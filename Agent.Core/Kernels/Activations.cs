using System.Numerics.Tensors;

namespace AgentRnn.Core.Kernels;

/// <summary>Elementwise activations and (log-)softmax over spans, in place or into a destination.</summary>
internal static class Activations
{
    /// <summary>Applies <paramref name="activation"/> to x in place.</summary>
    public static void Apply(Activation activation, Span<float> x)
    {
        switch (activation)
        {
            case Activation.None: break;
            case Activation.ReLU: Relu(x, x); break;
            case Activation.Tanh: TensorPrimitives.Tanh(x, x); break;
            case Activation.Sigmoid: TensorPrimitives.Sigmoid(x, x); break;
            default: throw new ArgumentOutOfRangeException(nameof(activation));
        }
    }

    /// <summary>destination = max(x, 0).</summary>
    public static void Relu(ReadOnlySpan<float> x, Span<float> destination) => TensorPrimitives.Max(x, 0f, destination);

    /// <summary>destination = x ≥ 0 ? x : slope·x.</summary>
    public static void LeakyRelu(ReadOnlySpan<float> x, Span<float> destination, float slope = 0.01f)
    {
        CheckLength(x, destination);
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            destination[i] = v >= 0f ? v : slope * v;
        }
    }

    /// <summary>destination = x &gt; 0 ? x : alpha·(eˣ − 1).</summary>
    public static void Elu(ReadOnlySpan<float> x, Span<float> destination, float alpha = 1f)
    {
        CheckLength(x, destination);
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            destination[i] = v > 0f ? v : alpha * (MathF.Exp(v) - 1f);
        }
    }

    /// <summary>destination = x·sigmoid(x).</summary>
    public static void Silu(ReadOnlySpan<float> x, Span<float> destination)
    {
        CheckLength(x, destination);
        for (int i = 0; i < x.Length; i++)
        {
            float v = x[i];
            destination[i] = v / (1f + MathF.Exp(-v));
        }
    }

    /// <summary>destination = 1 / (1 + e^−x).</summary>
    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> destination) => TensorPrimitives.Sigmoid(x, destination);

    /// <summary>destination = tanh(x).</summary>
    public static void Tanh(ReadOnlySpan<float> x, Span<float> destination) => TensorPrimitives.Tanh(x, destination);

    /// <summary>Numerically stable softmax of one row.</summary>
    public static void Softmax(ReadOnlySpan<float> x, Span<float> destination)
    {
        CheckLength(x, destination);
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, destination);
        TensorPrimitives.Exp(destination, destination);
        float sum = TensorPrimitives.Sum(destination);
        TensorPrimitives.Divide(destination, sum, destination);
    }

    /// <summary>Numerically stable log-softmax of one row: x − max − log Σ e^(x−max).</summary>
    public static void LogSoftmax(ReadOnlySpan<float> x, Span<float> destination)
    {
        CheckLength(x, destination);
        float max = TensorPrimitives.Max(x);
        float sum = 0f;
        foreach (float v in x)
        {
            sum += MathF.Exp(v - max);
        }
        TensorPrimitives.Subtract(x, max + MathF.Log(sum), destination);
    }

    private static void CheckLength(ReadOnlySpan<float> x, Span<float> destination)
    {
        if (destination.Length < x.Length)
        {
            throw new ArgumentException($"destination holds {destination.Length} floats, input {x.Length}");
        }
    }
}
