using AgentRnn.Host.Models;

namespace AgentRnn.Host.Training;

/// <summary>
/// The policy heads' log-probability and entropy per sample, and their gradients: categorical (one segment of
/// logits for Discrete, one per entry for MultiDiscrete, log-probs and entropies summed as SB3/CleanRL do), and a
/// diagonal Gaussian whose log-std is a state-independent parameter (CleanRL's actor_logstd, SB3's log_std).
/// Actions are stored as floats: category indices, or the Box values.
/// </summary>
internal static class HeadMath
{
    private static readonly float HalfLog2Pi = 0.5f * MathF.Log(2f * MathF.PI);

    /// <summary>Log-probability of <paramref name="action"/> and the entropy, for one sample.</summary>
    public static (float LogProb, float Entropy) Evaluate(ActionSpec spec, ReadOnlySpan<float> logits, ReadOnlySpan<float> logStd, ReadOnlySpan<float> action)
    {
        float logProb = 0f, entropy = 0f;
        if (spec.Kind == ActionKind.Box)
        {
            for (int k = 0; k < logits.Length; k++)
            {
                float std = MathF.Exp(logStd[k]);
                float z = (action[k] - logits[k]) / std;
                logProb += -0.5f * z * z - logStd[k] - HalfLog2Pi;
                entropy += 0.5f + HalfLog2Pi + logStd[k];
            }
            return (logProb, entropy);
        }
        int offset = 0;
        for (int s = 0; s < spec.Sizes.Count; s++)
        {
            int size = spec.Sizes[s];
            ReadOnlySpan<float> seg = logits.Slice(offset, size);
            float lse = LogSumExp(seg);
            logProb += seg[(int)action[s]] - lse;
            for (int j = 0; j < size; j++)
            {
                float lp = seg[j] - lse;
                entropy -= MathF.Exp(lp) * lp;
            }
            offset += size;
        }
        return (logProb, entropy);
    }

    /// <summary>
    /// Writes dL/dlogits for one sample given dL/dlogp and dL/dentropy; for a Box adds dL/dlogStd into
    /// <paramref name="logStdGrad"/>.
    /// </summary>
    public static void Backward(ActionSpec spec, ReadOnlySpan<float> logits, ReadOnlySpan<float> logStd, ReadOnlySpan<float> action,
        float dLogProb, float dEntropy, Span<float> dLogits, Span<float> logStdGrad)
    {
        if (spec.Kind == ActionKind.Box)
        {
            for (int k = 0; k < logits.Length; k++)
            {
                float var = MathF.Exp(2f * logStd[k]);
                float diff = action[k] - logits[k];
                dLogits[k] = dLogProb * diff / var;
                logStdGrad[k] += dLogProb * (diff * diff / var - 1f) + dEntropy;
            }
            return;
        }
        int offset = 0;
        for (int s = 0; s < spec.Sizes.Count; s++)
        {
            int size = spec.Sizes[s];
            ReadOnlySpan<float> seg = logits.Slice(offset, size);
            Span<float> d = dLogits.Slice(offset, size);
            float lse = LogSumExp(seg);
            float h = 0f;
            for (int j = 0; j < size; j++)
            {
                float lp = seg[j] - lse;
                h -= MathF.Exp(lp) * lp;
            }
            int a = (int)action[s];
            for (int j = 0; j < size; j++)
            {
                float lp = seg[j] - lse;
                float p = MathF.Exp(lp);
                // d logp_a / dz_j = [j = a] − p_j ;  d H / dz_j = −p_j (log p_j + H).
                d[j] = dLogProb * ((j == a ? 1f : 0f) - p) - dEntropy * p * (lp + h);
            }
            offset += size;
        }
    }

    /// <summary>Samples an action (or takes the most likely one) from one sample's head outputs.</summary>
    public static void Sample(ActionSpec spec, ReadOnlySpan<float> logits, ReadOnlySpan<float> logStd, Random random, bool deterministic, Span<float> action)
    {
        if (spec.Kind == ActionKind.Box)
        {
            for (int k = 0; k < logits.Length; k++)
            {
                action[k] = deterministic ? logits[k] : logits[k] + MathF.Exp(logStd[k]) * Normal(random);
            }
            return;
        }
        int offset = 0;
        for (int s = 0; s < spec.Sizes.Count; s++)
        {
            int size = spec.Sizes[s];
            ReadOnlySpan<float> seg = logits.Slice(offset, size);
            int choice = 0;
            if (deterministic)
            {
                for (int j = 1; j < size; j++)
                {
                    if (seg[j] > seg[choice])
                    {
                        choice = j;
                    }
                }
            }
            else
            {
                float lse = LogSumExp(seg);
                double u = random.NextDouble(), cumulative = 0;
                choice = size - 1;
                for (int j = 0; j < size; j++)
                {
                    cumulative += Math.Exp(seg[j] - lse);
                    if (u < cumulative)
                    {
                        choice = j;
                        break;
                    }
                }
            }
            action[s] = choice;
            offset += size;
        }
    }

    private static float LogSumExp(ReadOnlySpan<float> x)
    {
        float max = float.NegativeInfinity;
        foreach (float v in x)
        {
            max = MathF.Max(max, v);
        }
        float sum = 0f;
        foreach (float v in x)
        {
            sum += MathF.Exp(v - max);
        }
        return max + MathF.Log(sum);
    }

    private static float Normal(Random random)
    {
        double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2));
    }
}
