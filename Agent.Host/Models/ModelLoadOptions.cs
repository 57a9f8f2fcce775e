namespace AgentRnn.Host.Models;

/// <summary>
/// Overrides for what a checkpoint's shapes cannot say. Preprocessing defaults to 84×84 gray scaled by 1/255 (or
/// the smallest square input that gives the first linear layer's width); a MultiDiscrete space's nvec cannot be
/// told from one Linear's width. Every override is checked against the tensors' shapes.
/// </summary>
public sealed record ModelLoadOptions
{
    /// <summary>Frame height the encoder takes.</summary>
    public int? Height { get; init; }

    /// <summary>Frame width the encoder takes.</summary>
    public int? Width { get; init; }

    /// <summary>Whether frames are gray (conv1's input channels are the stack depth) or RGB (three per frame).</summary>
    public bool? Grayscale { get; init; }

    /// <summary>uint8 → float factor (1/255 by default).</summary>
    public float? Scale { get; init; }

    /// <summary>nvec of a MultiDiscrete action space, for CleanRL and SB3 checkpoints whose actor is one Linear of Σ nvec outputs.</summary>
    public IReadOnlyList<int>? ActionSizes { get; init; }

    /// <summary>
    /// The loaded model's CPU devices: threads per layer call and weight precision (<see cref="PolicyModel.CpuOptions"/>).
    /// Null: every kernel thread, and the precision in force on the loading thread.
    /// </summary>
    public Core.Compute.Cpu.CpuDeviceOptions? Cpu { get; init; }

    /// <summary>No overrides.</summary>
    public static ModelLoadOptions None { get; } = new();
}
