using AgentRnn.Core;
using AgentRnn.Core.Kernels;

namespace AgentRnn.Host.Models;

/// <summary>The critic: value = Linear(latent) to one float (CleanRL's critic, SB3's value_net). Allocates nothing.</summary>
public sealed class ValueHead
{
    private readonly Linear _linear;

    /// <summary>weight is (1, inputSize); bias is (1).</summary>
    public ValueHead(int inputSize, Func<string, Tensor> tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        InputSize = inputSize;
        Tensor w = tensor("weight");
        Tensor b = tensor("bias");
        if (!w.Shape.SequenceEqual([1, inputSize]) || !b.Shape.SequenceEqual([1]))
        {
            throw new ArgumentException($"critic tensors have shapes {w.ShapeString} and {b.ShapeString}, expected (1, {inputSize}) and (1)");
        }
        _linear = new Linear(w.Span, b.Span, 1, inputSize);
    }

    /// <summary>Width of each latent row.</summary>
    public int InputSize { get; }

    /// <summary>latent is (batch, InputSize); values is (batch).</summary>
    public void Forward(ReadOnlySpan<float> latent, Span<float> values, int batch) => _linear.Forward(latent, values, batch);
}
