using AgentRnn.Core;
using AgentRnn.Core.Kernels;

namespace AgentRnn.Host.Models;

/// <summary>
/// The actor for a MultiDiscrete space (nvec), as SB3's MultiCategoricalDistribution: one Linear to Σ nvec logits,
/// split into one block per sub-space, each with its own softmax and argmax.
/// </summary>
public sealed class MultiDiscreteHead : PolicyHead
{
    private readonly int[] _sizes;

    /// <summary>weight is (Σ nvec, inputSize); bias is (Σ nvec).</summary>
    public MultiDiscreteHead(int[] nvec, int inputSize, Func<string, Tensor> tensor)
        : base(ActionSpec.MultiDiscrete(nvec), inputSize)
    {
        _sizes = (int[])nvec.Clone();
        int width = Action.Width;
        Weight = Require(tensor, "weight", width, inputSize);
        Bias = Require(tensor, "bias", width);
    }

    /// <inheritdoc />
    public override void FromLogits(PolicyOutputs outputs, int batch)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        outputs.CheckBatch(batch);
        int width = Action.Width;
        int dims = _sizes.Length;
        for (int b = 0; b < batch; b++)
        {
            int offset = b * width;
            for (int k = 0; k < dims; k++)
            {
                int n = _sizes[k];
                outputs.Actions[b * dims + k] = CategoricalHead.SoftmaxBlock(outputs.Logits.AsSpan(offset, n), outputs.Probabilities.AsSpan(offset, n));
                offset += n;
            }
        }
        outputs.Batch = batch;
    }
}
