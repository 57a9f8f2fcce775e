using AgentRnn.Core;

namespace AgentRnn.Host.Models;

/// <summary>
/// An actor head: maps the memory's output (latent) to an action distribution in <see cref="PolicyOutputs"/>,
/// including the greedy action. Weights are copied at construction; Forward allocates nothing.
/// Thread-safety: Forward may be called concurrently on distinct outputs.
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

    /// <summary>latent is (batch, InputSize); fills rows 0..batch−1 of the outputs' distribution and greedy actions.</summary>
    public abstract void Forward(ReadOnlySpan<float> latent, PolicyOutputs outputs, int batch);

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

    /// <summary>Checks the latent's length once per call.</summary>
    protected void CheckLatent(ReadOnlySpan<float> latent, PolicyOutputs outputs, int batch)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        outputs.CheckBatch(batch);
        if (outputs.Action.Width != Action.Width || outputs.Action.Kind != Action.Kind)
        {
            throw new ArgumentException($"outputs are shaped for {outputs.Action}, the head serves {Action}");
        }
        if (latent.Length < (long)batch * InputSize)
        {
            throw new ArgumentException($"latent has {latent.Length} floats, batch {batch} needs {(long)batch * InputSize}");
        }
    }
}
