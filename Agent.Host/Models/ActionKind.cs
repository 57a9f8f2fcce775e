namespace AgentRnn.Host.Models;

/// <summary>The action space a policy head serves, as Gymnasium names them.</summary>
public enum ActionKind
{
    /// <summary>One choice among n: a categorical head.</summary>
    Discrete,

    /// <summary>Several independent choices (nvec): one categorical block per sub-space.</summary>
    MultiDiscrete,

    /// <summary>A real vector: a Gaussian head (mean and a state-independent log-std).</summary>
    Box,
}
