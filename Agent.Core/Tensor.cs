namespace AgentRnn.Core;

/// <summary>
/// A float32 tensor: a shape and contiguous, row-major (channel-first) memory.
/// Deliberately small: kernels work on spans; this type only owns memory and names its shape.
/// </summary>
public sealed class Tensor
{
    private readonly int[] _shape;

    /// <summary>Creates a zero-filled tensor of the given shape.</summary>
    public Tensor(params int[] shape)
        : this(new float[CheckedElementCount(shape)], shape)
    {
    }

    /// <summary>Wraps existing memory; its length must equal the product of the shape.</summary>
    public Tensor(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        long count = CheckedElementCount(shape);
        if (data.Length != count)
        {
            throw new ArgumentException($"data holds {data.Length} floats but shape ({string.Join(", ", shape)}) needs {count}", nameof(data));
        }
        Data = data;
        _shape = (int[])shape.Clone();
    }

    /// <summary>The dimensions, outermost first.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>Number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The backing memory, row-major.</summary>
    public float[] Data { get; }

    /// <summary>Number of elements.</summary>
    public int Length => Data.Length;

    /// <summary>The elements as a span.</summary>
    public Span<float> Span => Data;

    /// <summary>Size of dimension <paramref name="axis"/>; negative counts from the end.</summary>
    public int Dim(int axis) => _shape[axis < 0 ? _shape.Length + axis : axis];

    /// <summary>The shape as "(a, b, c)".</summary>
    public string ShapeString => FormatShape(_shape);

    /// <summary>Formats a shape as PyTorch prints it: "(a, b, c)".</summary>
    public static string FormatShape(ReadOnlySpan<int> shape) => "(" + string.Join(", ", shape.ToArray()) + ")";

    /// <summary>Product of the dimensions, checked against overflow and negative sizes.</summary>
    public static int CheckedElementCount(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"negative dimension in shape {FormatShape(shape)}");
            }
            count *= d;
            if (count > Array.MaxLength)
            {
                throw new ArgumentException($"shape {FormatShape(shape)} has too many elements");
            }
        }
        return (int)count;
    }

    /// <inheritdoc />
    public override string ToString() => $"Tensor{ShapeString}";
}
