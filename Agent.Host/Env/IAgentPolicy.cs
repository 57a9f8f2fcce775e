namespace AgentRnn.Host.Env;

/// <summary>
/// What <see cref="EpisodeRunner"/> asks of an agent: one action per env from a batch of observations. A policy with
/// memory keeps one state per env (stream) and must reset env i's state before acting when
/// <c>episodeStarts[i]</c> is true — that flag is raised exactly when env i's observation begins a new episode.
/// </summary>
/// <remarks>
/// Called from one thread; should not allocate per call. <see cref="PolicyModelAgent"/> adapts a model-zoo
/// <see cref="Models.PolicyModel"/>; tests plug in scripted policies.
/// </remarks>
public interface IAgentPolicy
{
    /// <summary>
    /// observations is a batch of N observations of the env's observation space; actions (N rows of the action space)
    /// is filled in place.
    /// </summary>
    void Act(SpaceBatch observations, ReadOnlySpan<bool> episodeStarts, SpaceBatch actions);
}
