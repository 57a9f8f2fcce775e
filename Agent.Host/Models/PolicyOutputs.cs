namespace AgentRnn.Host.Models;

/// <summary>
/// Preallocated outputs of <see cref="PolicyModel.Step(ReadOnlySpan{byte}, Span{float}, ReadOnlySpan{float}, PolicyOutputs, int)"/>
/// for up to <see cref="MaxBatch"/> streams; a step fills the first <see cref="Batch"/> rows and allocates nothing.
/// </summary>
/// <remarks>
/// Row b of every array belongs to stream b of the step's batch. For Discrete and MultiDiscrete spaces,
/// <see cref="Logits"/> holds the actor's logits and <see cref="Probabilities"/> their softmax per sub-space;
/// for Box, <see cref="Logits"/> holds the Gaussian's mean and <see cref="Probabilities"/> its standard deviation
/// (exp(log_std), the same for every row). After a step <see cref="Actions"/> (discrete kinds) or
/// <see cref="ContinuousActions"/> (Box) hold the greedy action: the argmax per sub-space, or the mean;
/// <see cref="ActionSampler.Sample"/> replaces them with samples. Owned by one caller at a time.
/// </remarks>
public sealed class PolicyOutputs
{
    /// <summary>Allocates outputs for <paramref name="action"/> and up to <paramref name="maxBatch"/> streams.</summary>
    public PolicyOutputs(ActionSpec action, int maxBatch)
    {
        ArgumentNullException.ThrowIfNull(action);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBatch);
        Action = action;
        MaxBatch = maxBatch;
        Logits = new float[maxBatch * action.Width];
        Probabilities = new float[maxBatch * action.Width];
        Values = new float[maxBatch];
        bool box = action.Kind == ActionKind.Box;
        Actions = box ? [] : new int[maxBatch * action.ActionDimensions];
        ContinuousActions = box ? new float[maxBatch * action.Width] : [];
    }

    /// <summary>The action space the arrays are shaped for.</summary>
    public ActionSpec Action { get; }

    /// <summary>Rows allocated.</summary>
    public int MaxBatch { get; }

    /// <summary>Rows filled by the last step.</summary>
    public int Batch { get; internal set; }

    /// <summary>Floats per row of <see cref="Logits"/> and <see cref="Probabilities"/> (Σ sizes).</summary>
    public int Width => Action.Width;

    /// <summary>(MaxBatch, Width): logits, or the Gaussian's mean for Box.</summary>
    public float[] Logits { get; }

    /// <summary>(MaxBatch, Width): probabilities per sub-space, or the Gaussian's standard deviation for Box.</summary>
    public float[] Probabilities { get; }

    /// <summary>(MaxBatch): the critic's value estimate.</summary>
    public float[] Values { get; }

    /// <summary>(MaxBatch, ActionDimensions): chosen index per sub-space (Discrete, MultiDiscrete); empty for Box.</summary>
    public int[] Actions { get; }

    /// <summary>(MaxBatch, Width): the chosen real vector (Box); empty otherwise.</summary>
    public float[] ContinuousActions { get; }

    /// <summary>Row <paramref name="b"/> of <see cref="Logits"/>.</summary>
    public ReadOnlySpan<float> LogitsRow(int b) => Logits.AsSpan(b * Width, Width);

    /// <summary>Row <paramref name="b"/> of <see cref="Probabilities"/>.</summary>
    public ReadOnlySpan<float> ProbabilitiesRow(int b) => Probabilities.AsSpan(b * Width, Width);

    internal void CheckBatch(int batch)
    {
        if (batch < 0 || batch > MaxBatch)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), $"batch {batch} is outside the outputs' 0..{MaxBatch}");
        }
    }
}
