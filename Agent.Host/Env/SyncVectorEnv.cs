namespace AgentRnn.Host.Env;

/// <summary>
/// Several in-process <see cref="IEnv"/>s stepped in lockstep on the calling thread, with Gymnasium's autoreset
/// semantics (<see cref="AutoresetMode"/>). This is the in-process vector env that tests and benchmarks use, and
/// what an <see cref="EnvServer"/> serves for a C# game.
/// </summary>
public sealed class SyncVectorEnv : IVectorEnv
{
    private readonly IEnv[] _envs;
    private readonly bool[] _pending; // next-step mode: the env finished and resets on its next step

    /// <summary>Steps <paramref name="envs"/> (same spaces) with the given autoreset mode; disposes them with itself.</summary>
    public SyncVectorEnv(IReadOnlyList<IEnv> envs, AutoresetMode autoreset = AutoresetMode.NextStep, string? metadataJson = null)
    {
        ArgumentNullException.ThrowIfNull(envs);
        if (envs.Count == 0)
        {
            throw new ArgumentException("a vector env needs at least one env", nameof(envs));
        }
        _envs = envs.ToArray();
        foreach (IEnv env in _envs)
        {
            if (!env.ObservationSpace.SameAs(_envs[0].ObservationSpace) || !env.ActionSpace.SameAs(_envs[0].ActionSpace))
            {
                throw new ArgumentException("every env of a vector env must have the same spaces", nameof(envs));
            }
        }
        _pending = new bool[_envs.Length];
        Spec = new EnvSpec(_envs[0].ObservationSpace, _envs[0].ActionSpace, _envs.Length, autoreset, metadataJson);
    }

    /// <inheritdoc />
    public EnvSpec Spec { get; }

    /// <inheritdoc />
    /// <remarks><paramref name="optionsJson"/> is not passed on: <see cref="IEnv.Reset"/> takes no options.</remarks>
    public void Reset(long? seed, ReadOnlySpan<bool> mask, string? optionsJson, VectorStep result)
    {
        ArgumentNullException.ThrowIfNull(result);
        result.Clear();
        for (int i = 0; i < _envs.Length; i++)
        {
            if (mask.IsEmpty || mask[i])
            {
                _envs[i].Reset(seed + i, result.Observations, i);
                _pending[i] = false;
            }
        }
    }

    /// <inheritdoc />
    public void Step(SpaceBatch actions, VectorStep result)
    {
        ArgumentNullException.ThrowIfNull(actions);
        ArgumentNullException.ThrowIfNull(result);
        result.Clear();
        Span<StepFlags> flags = result.Flags;
        Span<double> rewards = result.Rewards;
        for (int i = 0; i < _envs.Length; i++)
        {
            if (_pending[i])
            {
                _envs[i].Reset(null, result.Observations, i);
                _pending[i] = false;
                flags[i] = StepFlags.EpisodeStart;
                continue;
            }
            EnvStepResult r = _envs[i].Step(actions, result.Observations, i);
            rewards[i] = r.Reward;
            flags[i] = (r.Terminated ? StepFlags.Terminated : 0) | (r.Truncated ? StepFlags.Truncated : 0);
            if (!r.Terminated && !r.Truncated)
            {
                continue;
            }
            switch (Spec.Autoreset)
            {
                case AutoresetMode.NextStep:
                    _pending[i] = true;
                    break;
                case AutoresetMode.SameStep:
                    result.FinalObservations.CopyRow(result.Observations, i, i);
                    _envs[i].Reset(null, result.Observations, i);
                    flags[i] |= StepFlags.FinalObservation | StepFlags.EpisodeStart;
                    break;
            }
        }
    }

    /// <summary>Disposes every env.</summary>
    public void Dispose()
    {
        foreach (IEnv env in _envs)
        {
            env.Dispose();
        }
    }
}
