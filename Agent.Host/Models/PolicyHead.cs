using AgentRnn.Core;

namespace AgentRnn.Host.Models;

/// <summary>
/// An actor head: maps the memory's output (latent) to an action distribution in <see cref="PolicyOutputs"/>,
/// including the greedy action. The policy network runs the linear layer on its device; <see cref="FromLogits"/> does the rest and allocates nothing.
/// Thread-safety: FromLogits may be called concurrently on distinct outputs.
/// </summary>
public abstract class PolicyHead
{
    /// <summary>Sets the head's geometry.</summary>
    protected PolicyHead(ActionSpec action, int inputSize)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        Action = action;
        InputSize = inputSize;
    }

    /// <summary>The action space served.</summary>
    public ActionSpec Action { get; }

    /// <summary>Width of each latent row.</summary>
    public int InputSize { get; }

    /// <summary>The linear layer's weight (Width, InputSize), as PyTorch stores it.</summary>
    public Tensor Weight { get; protected init; } = null!;

    /// <summary>The linear layer's bias (Width).</summary>
    public Tensor Bias { get; protected init; } = null!;

    /// <summary>
    /// Turns rows 0..batch−1 of <see cref="PolicyOutputs.Logits"/> (the linear layer's output, which the network computed
    /// on its device) into probabilities and actions (or, for Gaussian heads, standard deviations and means), and sets
    /// <see cref="PolicyOutputs.Batch"/>.
    /// </summary>
    public abstract void FromLogits(PolicyOutputs outputs, int batch);

    /// <summary>
    /// Builds the head for <paramref name="action"/>: <see cref="CategoricalHead"/>, <see cref="MultiDiscreteHead"/> or
    /// <see cref="GaussianHead"/>. <paramref name="tensor"/> returns "weight" (Width, inputSize), "bias" (Width) and,
    /// for Box, "log_std" (Width).
    /// </summary>
    public static PolicyHead Create(ActionSpec action, int inputSize, Func<string, Tensor> tensor)
    {
        ArgumentNullException.ThrowIfNull(action);
        return action.Kind switch
        {
            ActionKind.Discrete => new CategoricalHead(action.Sizes[0], inputSize, tensor),
            ActionKind.MultiDiscrete => new MultiDiscreteHead([.. action.Sizes], inputSize, tensor),
            _ => new GaussianHead(action.Sizes[0], inputSize, tensor),
        };
    }

    /// <summary>The named tensor, whose shape must equal <paramref name="shape"/>; throws naming it otherwise.</summary>
    protected static Tensor Require(Func<string, Tensor> tensor, string name, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Tensor t = tensor(name) ?? throw new ArgumentException($"tensor '{name}' is missing; expected shape {Tensor.FormatShape(shape)}");
        if (!t.Shape.SequenceEqual(shape))
        {
            throw new ArgumentException($"tensor '{name}' has shape {t.ShapeString}, expected {Tensor.FormatShape(shape)}");
        }
        return t;
    }
}
