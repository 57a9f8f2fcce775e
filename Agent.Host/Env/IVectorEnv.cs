namespace AgentRnn.Host.Env;

/// <summary>
/// N environments stepped together, Gymnasium vector-env style: a socket client (<see cref="SocketVectorEnv"/>), an
/// in-process game (<see cref="SyncVectorEnv"/>), or anything a test or benchmark builds.
/// </summary>
/// <remarks>
/// Contract: call <see cref="Reset"/> before the first <see cref="Step"/>. Each call fills the caller's
/// <see cref="VectorStep"/> (made for <see cref="Spec"/>) completely: observations of every env, rewards, flags and infos.
/// Autoreset follows <see cref="EnvSpec.Autoreset"/>. Calls come from one thread at a time. Implementations should not
/// allocate per step.
/// </remarks>
public interface IVectorEnv : IDisposable
{
    /// <summary>Spaces, number of envs and autoreset mode; fixed for the env's lifetime.</summary>
    EnvSpec Spec { get; }

    /// <summary>
    /// Resets the envs whose <paramref name="mask"/> entry is true (all when the mask is empty); env i gets seed
    /// <paramref name="seed"/> + i when a seed is given. <paramref name="optionsJson"/> is a JSON object passed to every
    /// env's reset, or null. Envs not reset keep (and report again) their current observation.
    /// </summary>
    void Reset(long? seed, ReadOnlySpan<bool> mask, string? optionsJson, VectorStep result);

    /// <summary>Steps every env with its row of <paramref name="actions"/> (a batch of the action space).</summary>
    void Step(SpaceBatch actions, VectorStep result);
}
