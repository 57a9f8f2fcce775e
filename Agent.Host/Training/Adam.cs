namespace AgentRnn.Host.Training;

/// <summary>
/// Adam with PyTorch's semantics (torch.optim.Adam, no weight decay, not amsgrad): m ← β1·m + (1−β1)·g,
/// v ← β2·v + (1−β2)·g², p ← p − lr/(1−β1ᵗ) · m / (√v/√(1−β2ᵗ) + ε). CleanRL passes ε = 1e-5.
/// </summary>
public sealed class Adam
{
    private readonly IReadOnlyList<TrainParameter> _parameters;

    /// <summary>Adam over <paramref name="parameters"/> with zero moments.</summary>
    public Adam(IReadOnlyList<TrainParameter> parameters, float learningRate, float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-5f)
    {
        _parameters = parameters;
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        First = parameters.Select(p => new float[p.Data.Length]).ToArray();
        Second = parameters.Select(p => new float[p.Data.Length]).ToArray();
    }

    /// <summary>The step size (CleanRL anneals it linearly between updates).</summary>
    public float LearningRate { get; set; }

    /// <summary>β1.</summary>
    public float Beta1 { get; }

    /// <summary>β2.</summary>
    public float Beta2 { get; }

    /// <summary>ε, added to the bias-corrected √v.</summary>
    public float Epsilon { get; }

    /// <summary>Steps taken (PyTorch's per-parameter "step", the same for every parameter here).</summary>
    public long Steps { get; set; }

    /// <summary>First moments, one array per parameter.</summary>
    public float[][] First { get; }

    /// <summary>Second moments, one array per parameter.</summary>
    public float[][] Second { get; }

    /// <summary>One update of every parameter from its gradient.</summary>
    public void Step()
    {
        Steps++;
        double correction1 = 1.0 - Math.Pow(Beta1, Steps);
        double correction2 = 1.0 - Math.Pow(Beta2, Steps);
        float stepSize = (float)(LearningRate / correction1);
        float sqrtCorrection2 = (float)Math.Sqrt(correction2);
        float b1 = Beta1, b2 = Beta2, eps = Epsilon;
        for (int k = 0; k < _parameters.Count; k++)
        {
            float[] p = _parameters[k].Data, g = _parameters[k].Grad, m = First[k], v = Second[k];
            for (int i = 0; i < p.Length; i++)
            {
                float gi = g[i];
                m[i] = b1 * m[i] + (1f - b1) * gi;
                v[i] = b2 * v[i] + (1f - b2) * gi * gi;
                p[i] -= stepSize * m[i] / (MathF.Sqrt(v[i]) / sqrtCorrection2 + eps);
            }
        }
    }

    /// <summary>
    /// torch.nn.utils.clip_grad_norm_: scales every gradient by max/(‖g‖₂ + 1e-6) when the global norm exceeds
    /// <paramref name="maxNorm"/>; returns the norm before clipping.
    /// </summary>
    public static float ClipGlobalNorm(IReadOnlyList<TrainParameter> parameters, float maxNorm)
    {
        double sum = 0;
        foreach (TrainParameter p in parameters)
        {
            foreach (float g in p.Grad)
            {
                sum += (double)g * g;
            }
        }
        float norm = (float)Math.Sqrt(sum);
        float coefficient = maxNorm / (norm + 1e-6f);
        if (coefficient < 1f)
        {
            foreach (TrainParameter p in parameters)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(p.Grad, coefficient, p.Grad);
            }
        }
        return norm;
    }
}
