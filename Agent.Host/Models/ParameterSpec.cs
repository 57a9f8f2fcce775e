namespace AgentRnn.Host.Models;

/// <summary>
/// One parameter tensor a model needs, under its name in our layout, with its shape and the fan-in PyTorch's
/// default initialisation uses (uniform ±1/√fanIn; 0 means "initialise to zero").
/// </summary>
public sealed record ParameterSpec(string Name, int[] Shape, int FanIn)
{
    /// <summary>Number of elements.</summary>
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);

    /// <summary>The shape as "(a, b)".</summary>
    public string ShapeString => AgentRnn.Core.Tensor.FormatShape(Shape);
}
