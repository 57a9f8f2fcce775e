using Agent.Host.Models;

namespace Agent.Host.Pipeline;

/// <summary>
/// Where the CLI's commands get their model: a checkpoint from --model, or the benchmark's default. The one place a
/// compute backend choice (CPU now; an accelerator later) enters model construction.
/// </summary>
public static class ModelFactory
{
    /// <summary>Seed of the default model's random weights, so every run benchmarks the same network.</summary>
    public const int DefaultSeed = 0;

    /// <summary>What the default model is, in words.</summary>
    public const string DefaultDescription = "default NatureCNN 4x84x84→512, LSTM 512→256, 6 actions (seed 0)";

    /// <summary>Loads <paramref name="path"/>, or builds the default model when it is null.</summary>
    public static PolicyModel Open(string? path) =>
        path is null ? PolicyModel.CreateDefault(DefaultSeed) : PolicyModel.Load(path);
}
