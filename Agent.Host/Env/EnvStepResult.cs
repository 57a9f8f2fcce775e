namespace AgentRnn.Host.Env;

/// <summary>What one env's step returns besides its observation.</summary>
/// <param name="Reward">The step's reward.</param>
/// <param name="Terminated">The episode reached a terminal state.</param>
/// <param name="Truncated">The episode was cut short (time limit).</param>
public readonly record struct EnvStepResult(double Reward, bool Terminated, bool Truncated);
