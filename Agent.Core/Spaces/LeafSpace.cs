namespace AgentRnn.Core.Spaces;

/// <summary>A space whose elements are one tensor of a fixed <see cref="Shape"/> and <see cref="DType"/> per env.</summary>
public abstract class LeafSpace : Space
{
    private readonly int[] _shape;

    /// <summary>Checks and stores the element shape and dtype.</summary>
    protected LeafSpace(ReadOnlySpan<int> shape, DType dtype)
    {
        if (!Enum.IsDefined(dtype))
        {
            throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype");
        }
        _shape = shape.ToArray();
        ElementCount = Tensor.CheckedElementCount(_shape);
        DType = dtype;
    }

    /// <summary>Shape of one env's element (no batch dimension); empty for a scalar.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>Element type on the wire and in buffers.</summary>
    public DType DType { get; }

    /// <summary>Number of scalars in one env's element.</summary>
    public int ElementCount { get; }

    /// <summary>Bytes in one env's element.</summary>
    public int ElementBytes => ElementCount * DType.Size();

    /// <summary>Shape, dtype and kind-specific parameters equal.</summary>
    public override bool SameAs(Space other) =>
        other is LeafSpace leaf && other.GetType() == GetType() && leaf.DType == DType && leaf.Shape.SequenceEqual(Shape) && SameParameters(leaf);

    /// <summary>Kind-specific equality (bounds, n, nvec); shape and dtype are already equal.</summary>
    protected abstract bool SameParameters(LeafSpace other);
}
