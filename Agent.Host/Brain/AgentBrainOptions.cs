using AgentRnn.Core.Compute;
using AgentRnn.Host.Models;

namespace AgentRnn;

/// <summary>How an <see cref="AgentBrain"/> loads its model and picks actions.</summary>
public sealed record AgentBrainOptions
{
    /// <summary>The defaults: greedy actions, every CPU kernel thread, the model file's own preprocessing.</summary>
    public static AgentBrainOptions Default { get; } = new();

    /// <summary>
    /// True (the default) picks the most probable action (the Gaussian mean for continuous actions); false samples
    /// from the policy with a generator seeded by <see cref="Seed"/>.
    /// </summary>
    public bool Greedy { get; init; } = true;

    /// <summary>Seed of the action sampler when <see cref="Greedy"/> is false.</summary>
    public int Seed { get; init; }

    /// <summary>The most CPU threads one step uses, the calling thread included: 0 (the default) for all, 1 to stay on the caller.</summary>
    public int Threads { get; init; }

    /// <summary>
    /// The device the brain's network runs on, every agent's recurrent state in its slots there: null (the default)
    /// for a CPU device of the brain's own (with <see cref="Threads"/>), or a device the caller opened (e.g.
    /// <c>ComputeBackend.Open(ComputeBackendKind.Cuda)</c>), keeps ownership of, and disposes after the brain.
    /// </summary>
    public ComputeDevice? Device { get; init; }

    /// <summary>Agents to make room for up front, so the first steps of that many agents allocate nothing. Grows on demand.</summary>
    public int InitialAgents { get; init; } = 16;

    /// <summary>Overrides for what a checkpoint does not record (input size, grayscale, scale, action sizes); null for none.</summary>
    public ModelLoadOptions? Load { get; init; }

    /// <summary>Throws a one-line <see cref="ArgumentException"/> for an invalid value.</summary>
    public void Validate()
    {
        if (Threads < 0)
        {
            throw new ArgumentException($"AgentBrainOptions.Threads must be 0 (all) or more, not {Threads}");
        }
        if (InitialAgents < 1 || InitialAgents > AgentBrain.MaxAgents)
        {
            throw new ArgumentException($"AgentBrainOptions.InitialAgents must be 1..{AgentBrain.MaxAgents}, not {InitialAgents}");
        }
    }
}
