namespace AgentRnn.Host.Env;

/// <summary>How a vector env restarts finished episodes (Gymnasium 1.x's modes), as SPEC declares it.</summary>
public enum AutoresetMode : byte
{
    /// <summary>The step after the one that ended an episode resets the env (its action is ignored, reward 0).</summary>
    NextStep = 0,

    /// <summary>The step that ends an episode resets the env at once; the last observation travels separately.</summary>
    SameStep = 1,

    /// <summary>Finished envs wait for a masked reset.</summary>
    Disabled = 2,
}
