using AgentRnn.Vision;

namespace AgentRnn.Orleans;

/// <summary>A silo's model over an <see cref="AgentBrain"/> (which it owns and disposes).</summary>
public sealed class AgentBrainModel : IAgentModel
{
    private readonly AgentBrain _brain;
    private readonly int[] _one = new int[1];

    /// <summary>Wraps <paramref name="brain"/>; the batcher is then its only user.</summary>
    public AgentBrainModel(AgentBrain brain)
    {
        ArgumentNullException.ThrowIfNull(brain);
        _brain = brain;
    }

    /// <summary>The brain.</summary>
    public AgentBrain Brain => _brain;

    /// <inheritdoc/>
    public string Fingerprint => _brain.Model.Fingerprint;

    /// <inheritdoc/>
    public int ActionCount => _brain.Model.ActionCount;

    /// <inheritdoc/>
    public void Observe(int agentId, in GameFrame frame) => _brain.Observe(agentId, frame);

    /// <inheritdoc/>
    public void Step() => _brain.Step();

    /// <inheritdoc/>
    public int Decision(int agentId, out float value, Span<float> probabilities)
    {
        AgentDecision decision = _brain.DecisionOf(agentId);
        value = decision.Value;
        if (!probabilities.IsEmpty)
        {
            ReadOnlySpan<float> p = decision.Probabilities.Span;
            int n = Math.Min(p.Length, probabilities.Length);
            p[..n].CopyTo(probabilities);
        }
        return decision.Action;
    }

    /// <inheritdoc/>
    public void StartEpisode(int agentId) => _brain.StartEpisode(agentId);

    /// <inheritdoc/>
    public byte[] SaveMemory(int agentId)
    {
        if (!_brain.Contains(agentId))
        {
            _brain.StartEpisode(agentId); // adds a fresh agent: a grain may be snapshot before its first step
        }
        _one[0] = agentId;
        return _brain.SaveMemory(_one);
    }

    /// <inheritdoc/>
    public void RestoreMemory(ReadOnlySpan<byte> memory) => _brain.RestoreMemory(memory);

    /// <inheritdoc/>
    public void Remove(int agentId) => _brain.Remove(agentId);

    /// <inheritdoc/>
    public void Dispose() => _brain.Dispose();
}
