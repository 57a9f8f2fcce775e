namespace AgentRnn.Host.Models;

/// <summary>
/// Draws stochastic actions from a step's <see cref="PolicyOutputs"/> with a seeded generator, so a run is
/// reproducible from its seed. Allocates nothing per call. Thread-safety: one thread uses a given sampler.
/// </summary>
public sealed class ActionSampler
{
    private readonly Random _random;

    /// <summary>Creates a sampler; the same seed gives the same sequence of actions for the same outputs.</summary>
    public ActionSampler(int seed) => _random = new Random(seed);

    /// <summary>
    /// Replaces the greedy actions of rows 0..batch−1: an index drawn from each sub-space's probabilities
    /// (Discrete, MultiDiscrete), or mean + std·N(0, 1) per dimension (Box).
    /// </summary>
    public void Sample(PolicyOutputs outputs, int batch)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        outputs.CheckBatch(batch);
        ActionSpec action = outputs.Action;
        int width = action.Width;
        if (action.Kind == ActionKind.Box)
        {
            for (int i = 0; i < batch * width; i++)
            {
                outputs.ContinuousActions[i] = outputs.Logits[i] + outputs.Probabilities[i] * Normal();
            }
            return;
        }
        int dims = action.ActionDimensions;
        for (int b = 0; b < batch; b++)
        {
            int offset = b * width;
            for (int k = 0; k < dims; k++)
            {
                int n = action.Sizes[k];
                outputs.Actions[b * dims + k] = Draw(outputs.Probabilities.AsSpan(offset, n));
                offset += n;
            }
        }
    }

    // Inverse CDF; rounding can leave the total a little under 1, so the last non-zero entry takes the remainder.
    private int Draw(ReadOnlySpan<float> probabilities)
    {
        double u = _random.NextDouble();
        double cumulative = 0;
        int last = 0;
        for (int i = 0; i < probabilities.Length; i++)
        {
            if (probabilities[i] <= 0f)
            {
                continue;
            }
            last = i;
            cumulative += probabilities[i];
            if (u < cumulative)
            {
                return i;
            }
        }
        return last;
    }

    // Box–Muller; 1 − NextDouble() is in (0, 1], so the logarithm is finite.
    private float Normal()
    {
        double u1 = 1.0 - _random.NextDouble();
        double u2 = _random.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }
}
