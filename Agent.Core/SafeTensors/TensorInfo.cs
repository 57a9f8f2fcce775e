namespace AgentRnn.Core.SafeTensors;

/// <summary>One tensor's entry in a safetensors header: dtype, shape and byte range within the data section.</summary>
public sealed record TensorInfo(string Name, string DType, int[] Shape, long Begin, long End)
{
    /// <summary>Number of elements.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>The shape as "(a, b, c)".</summary>
    public string ShapeString => Tensor.FormatShape(Shape);
}
