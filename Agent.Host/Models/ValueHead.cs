using AgentRnn.Core;
using AgentRnn.Core.Kernels;

namespace AgentRnn.Host.Models;

/// <summary>The critic: value = Linear(latent) to one float (CleanRL's critic, SB3's value_net). Allocates nothing.</summary>
public sealed class ValueHead
{

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
        Weight = w;
        Bias = b;
    }

    /// <summary>Width of each latent row.</summary>
    public int InputSize { get; }

    /// <summary>The linear layer's weight (1, InputSize).</summary>
    public Tensor Weight { get; }

    /// <summary>The linear layer's bias (1).</summary>
    public Tensor Bias { get; }
}
