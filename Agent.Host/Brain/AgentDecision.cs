namespace AgentRnn;

/// <summary>
/// What the brain decided for one agent at its latest step. The memories view arrays the brain owns for that agent:
/// they hold this decision until the agent's next step, and reading them allocates nothing.
/// </summary>
public readonly struct AgentDecision
{
    internal AgentDecision(int agentId, int action, float value, ReadOnlyMemory<float> probabilities, ReadOnlyMemory<int> actions, ReadOnlyMemory<float> continuous, long step)
    {
        AgentId = agentId;
        Action = action;
        Value = value;
        Probabilities = probabilities;
        Actions = actions;
        ContinuousActions = continuous;
        Step = step;
    }

    /// <summary>The agent.</summary>
    public int AgentId { get; }

    /// <summary>The action (Discrete models), or the first dimension's action (MultiDiscrete); 0 for continuous models.</summary>
    public int Action { get; }

    /// <summary>The critic's value estimate of the agent's situation.</summary>
    public float Value { get; }

    /// <summary>
    /// The policy's probabilities (Discrete: one per action; MultiDiscrete: each dimension's block in turn); for
    /// continuous (Box) models, the standard deviation of each dimension.
    /// </summary>
    public ReadOnlyMemory<float> Probabilities { get; }

    /// <summary>One action per dimension (MultiDiscrete; a single entry for Discrete); empty for continuous models.</summary>
    public ReadOnlyMemory<int> Actions { get; }

    /// <summary>The continuous action (Box models); empty otherwise.</summary>
    public ReadOnlyMemory<float> ContinuousActions { get; }

    /// <summary>How many steps this agent has been through since it was added (1 after its first), 0 before any.</summary>
    public long Step { get; }
}
