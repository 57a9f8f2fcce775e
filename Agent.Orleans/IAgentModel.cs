using AgentRnn.Vision;

namespace AgentRnn.Orleans;

/// <summary>
/// What a silo needs from a model: per-agent memory, one batched step of every agent observed since the last step,
/// and each agent's memory as bytes. <see cref="AgentBrainModel"/> adapts <see cref="AgentBrain"/>; a game may plug its own.
/// </summary>
/// <remarks>The silo's batcher is the only caller and calls from one thread at a time.</remarks>
public interface IAgentModel : IDisposable
{
    /// <summary>Identifies the model (config and weights); memory saved by another model is refused.</summary>
    string Fingerprint { get; }

    /// <summary>Number of actions of the (categorical) action head.</summary>
    int ActionCount { get; }

    /// <summary>Queues one frame for the agent's next step; the agent gets memory on first sight.</summary>
    void Observe(int agentId, in GameFrame frame);

    /// <summary>One batched step of every agent observed since the last step.</summary>
    void Step();

    /// <summary>The agent's decision of the last step: greedy action and value; probabilities into the span when it is not empty.</summary>
    int Decision(int agentId, out float value, Span<float> probabilities);

    /// <summary>Clears the agent's recurrent state and frame stack (a new episode).</summary>
    void StartEpisode(int agentId);

    /// <summary>The agent's memory as bytes (with the model fingerprint).</summary>
    byte[] SaveMemory(int agentId);

    /// <summary>Restores one agent's memory saved by <see cref="SaveMemory"/>; fails with one line for another model's memory.</summary>
    void RestoreMemory(ReadOnlySpan<byte> memory);

    /// <summary>Forgets the agent (its memory lives in the grain's persisted state).</summary>
    void Remove(int agentId);
}
