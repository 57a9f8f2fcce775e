namespace AgentRnn.Host.Env;

/// <summary>Per-env flags of a step result (one byte per env on the wire).</summary>
[Flags]
public enum StepFlags : byte
{
    /// <summary>Nothing happened beyond an ordinary step.</summary>
    None = 0,

    /// <summary>The episode reached a terminal state.</summary>
    Terminated = 1,

    /// <summary>The episode was cut short (time limit).</summary>
    Truncated = 2,

    /// <summary>The episode's final observation is in the final-observation batch (same-step autoreset).</summary>
    FinalObservation = 4,

    /// <summary>The observation begins a new episode: an autoreset happened during this step.</summary>
    EpisodeStart = 8,
}
