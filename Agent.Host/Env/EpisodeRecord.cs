namespace AgentRnn.Host.Env;

/// <summary>One finished episode as the runner summed it.</summary>
/// <param name="Env">Index of the env within its vector env.</param>
/// <param name="Return">Sum of the episode's rewards.</param>
/// <param name="Length">Number of steps in the episode.</param>
/// <param name="Terminated">It ended in a terminal state.</param>
/// <param name="Truncated">It was cut short.</param>
public sealed record EpisodeRecord(int Env, double Return, int Length, bool Terminated, bool Truncated);
