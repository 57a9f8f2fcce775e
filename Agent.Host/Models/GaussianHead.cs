using AgentRnn.Core;
using AgentRnn.Core.Kernels;

namespace AgentRnn.Host.Models;

/// <summary>
/// The actor for a Box space, as SB3's DiagGaussianDistribution: mean = Linear(latent), a state-independent
/// log-std parameter (SB3's log_std), std = exp(log_std); the greedy action is the mean (no squashing or clipping).
/// </summary>
public sealed class GaussianHead : PolicyHead
{
    private readonly float[] _std;

    /// <summary>weight is (dimensions, inputSize); bias and log_std are (dimensions).</summary>
    public GaussianHead(int dimensions, int inputSize, Func<string, Tensor> tensor)
        : base(ActionSpec.Box(dimensions), inputSize)
    {
        Weight = Require(tensor, "weight", dimensions, inputSize);
        Bias = Require(tensor, "bias", dimensions);
        _std = Require(tensor, "log_std", dimensions).Data.Select(MathF.Exp).ToArray();
    }

    /// <summary>exp(log_std), one per dimension.</summary>
    public ReadOnlySpan<float> Std => _std;

    /// <inheritdoc />
    public override void FromLogits(PolicyOutputs outputs, int batch)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        outputs.CheckBatch(batch);
        int d = Action.Width;
        for (int b = 0; b < batch; b++)
        {
            _std.CopyTo(outputs.Probabilities.AsSpan(b * d, d));
        }
        outputs.Logits.AsSpan(0, batch * d).CopyTo(outputs.ContinuousActions);
        outputs.Batch = batch;
    }
}
