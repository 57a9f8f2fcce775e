using AgentRnn.Core;
using AgentRnn.Core.Kernels;

namespace AgentRnn.Host.Models;

/// <summary>
/// The actor for a Discrete space: logits = Linear(latent) (CleanRL's actor, SB3's action_net), probabilities =
/// softmax(logits), greedy action = argmax (the first index on ties, as torch.argmax).
/// </summary>
public sealed class CategoricalHead : PolicyHead
{
    /// <summary>weight is (actions, inputSize); bias is (actions).</summary>
    public CategoricalHead(int actions, int inputSize, Func<string, Tensor> tensor)
        : base(ActionSpec.Discrete(actions), inputSize)
    {
        Weight = Require(tensor, "weight", actions, inputSize);
        Bias = Require(tensor, "bias", actions);
    }

    /// <inheritdoc />
    public override void FromLogits(PolicyOutputs outputs, int batch)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        outputs.CheckBatch(batch);
        int n = Action.Width;
        for (int b = 0; b < batch; b++)
        {
            outputs.Actions[b] = SoftmaxBlock(outputs.Logits.AsSpan(b * n, n), outputs.Probabilities.AsSpan(b * n, n));
        }
        outputs.Batch = batch;
    }

    /// <summary>probabilities = softmax(logits) over one block; returns argmax(logits), the first on ties.</summary>
    internal static int SoftmaxBlock(ReadOnlySpan<float> logits, Span<float> probabilities)
    {
        Activations.Softmax(logits, probabilities);
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }
        return best;
    }
}
