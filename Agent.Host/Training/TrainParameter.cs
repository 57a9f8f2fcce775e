namespace AgentRnn.Host.Training;

/// <summary>One trainable tensor: its values, the gradient accumulated into it, and its shape (our layout's name).</summary>
public sealed class TrainParameter
{
    /// <summary>A zeroed parameter of <paramref name="shape"/>.</summary>
    public TrainParameter(string name, int[] shape)
    {
        Name = name;
        Shape = shape;
        int length = shape.Aggregate(1, (a, d) => checked(a * d));
        Data = new float[length];
        Grad = new float[length];
    }

    /// <summary>The name in our layout (encoder.conv1.weight, memory.weight_ih_l0, actor.bias, ...).</summary>
    public string Name { get; }

    /// <summary>The shape, PyTorch's.</summary>
    public int[] Shape { get; }

    /// <summary>The values.</summary>
    public float[] Data { get; }

    /// <summary>The gradient; backward passes add into it.</summary>
    public float[] Grad { get; }
}

/// <summary>Grow-only scratch buffers: the training network's activations reuse them across calls (no allocation per step).</summary>
internal static class Scratch
{
    public static float[] Ensure(ref float[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new float[length];
        }
        return buffer;
    }

    /// <summary>t (cols, rows) = aᵀ for a (rows, cols) row-major.</summary>
    public static void Transpose(ReadOnlySpan<float> a, Span<float> t, int rows, int cols)
    {
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = a.Slice(r * cols, cols);
            for (int c = 0; c < cols; c++)
            {
                t[c * rows + r] = row[c];
            }
        }
    }
}
