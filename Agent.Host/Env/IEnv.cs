using AgentRnn.Core.Spaces;

namespace AgentRnn.Host.Env;

/// <summary>
/// One environment written in C# (a game), Gymnasium-style. <see cref="SyncVectorEnv"/> steps several of them with
/// autoreset and <see cref="EnvServer"/> serves them over the env protocol.
/// </summary>
/// <remarks>
/// Contract: <see cref="Reset"/> comes before the first <see cref="Step"/> and after every finished episode (the vector
/// env calls it). Observations are written into the given row of a preallocated batch; actions are read from one.
/// Calls come from one thread at a time. Implementations should not allocate per step.
/// </remarks>
public interface IEnv : IDisposable
{
    /// <summary>The observation space (fixed).</summary>
    Space ObservationSpace { get; }

    /// <summary>The action space (fixed).</summary>
    Space ActionSpace { get; }

    /// <summary>Starts an episode (reseeding when <paramref name="seed"/> is given) and writes its first observation into row <paramref name="row"/>.</summary>
    void Reset(long? seed, SpaceBatch observations, int row);

    /// <summary>Applies row <paramref name="row"/> of <paramref name="actions"/>, writes the next observation into the same row of <paramref name="observations"/>.</summary>
    EnvStepResult Step(SpaceBatch actions, SpaceBatch observations, int row);
}
