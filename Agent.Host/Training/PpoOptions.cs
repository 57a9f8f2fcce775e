namespace AgentRnn.Host.Training;

/// <summary>
/// PPO's hyperparameters, named and defaulted as CleanRL's ppo_atari_lstm.py names them (its Args); the number of
/// envs comes from the env server.
/// </summary>
public sealed record PpoOptions
{
    /// <summary>total_timesteps: env steps (all envs together) to train for.</summary>
    public long TotalTimesteps { get; init; } = 10_000_000;

    /// <summary>learning_rate.</summary>
    public float LearningRate { get; init; } = 2.5e-4f;

    /// <summary>num_steps: steps per env in each rollout.</summary>
    public int NumSteps { get; init; } = 128;

    /// <summary>anneal_lr: decay the learning rate linearly to 0 over the updates.</summary>
    public bool AnnealLr { get; init; } = true;

    /// <summary>gamma.</summary>
    public float Gamma { get; init; } = 0.99f;

    /// <summary>gae_lambda.</summary>
    public float GaeLambda { get; init; } = 0.95f;

    /// <summary>num_minibatches: the envs are split into this many groups, each a minibatch of whole sequences.</summary>
    public int NumMinibatches { get; init; } = 4;

    /// <summary>update_epochs.</summary>
    public int UpdateEpochs { get; init; } = 4;

    /// <summary>norm_adv: normalise advantages per minibatch.</summary>
    public bool NormAdv { get; init; } = true;

    /// <summary>clip_coef.</summary>
    public float ClipCoef { get; init; } = 0.1f;

    /// <summary>clip_vloss.</summary>
    public bool ClipVloss { get; init; } = true;

    /// <summary>ent_coef.</summary>
    public float EntCoef { get; init; } = 0.01f;

    /// <summary>vf_coef.</summary>
    public float VfCoef { get; init; } = 0.5f;

    /// <summary>max_grad_norm.</summary>
    public float MaxGradNorm { get; init; } = 0.5f;

    /// <summary>target_kl: stop an update's epochs once the approximate KL exceeds it (null: never).</summary>
    public float? TargetKl { get; init; }

    /// <summary>seed (CleanRL's default 1): the env resets (env i gets seed + i), initialisation and sampling.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Checks every value; throws an <see cref="ArgumentException"/> naming the flag.</summary>
    public void Validate(int numEnvs)
    {
        void Require(bool ok, string what)
        {
            if (!ok)
            {
                throw new ArgumentException(what);
            }
        }
        Require(TotalTimesteps > 0, $"--total-steps must be positive (got {TotalTimesteps})");
        Require(LearningRate > 0 && float.IsFinite(LearningRate), $"--learning-rate must be positive (got {LearningRate})");
        Require(NumSteps >= 1 && NumSteps <= 1 << 16, $"--num-steps must be 1..65536 (got {NumSteps})");
        Require(Gamma is >= 0 and <= 1, $"--gamma must be in [0, 1] (got {Gamma})");
        Require(GaeLambda is >= 0 and <= 1, $"--gae-lambda must be in [0, 1] (got {GaeLambda})");
        Require(NumMinibatches >= 1 && numEnvs % NumMinibatches == 0,
            $"--num-minibatches {NumMinibatches} must divide the server's {numEnvs} envs (CleanRL splits whole env sequences)");
        Require(UpdateEpochs >= 1, $"--update-epochs must be at least 1 (got {UpdateEpochs})");
        Require(ClipCoef > 0 && float.IsFinite(ClipCoef), $"--clip-coef must be positive (got {ClipCoef})");
        Require(EntCoef >= 0 && float.IsFinite(EntCoef), $"--ent-coef must be non-negative (got {EntCoef})");
        Require(VfCoef >= 0 && float.IsFinite(VfCoef), $"--vf-coef must be non-negative (got {VfCoef})");
        Require(MaxGradNorm > 0 && float.IsFinite(MaxGradNorm), $"--max-grad-norm must be positive (got {MaxGradNorm})");
        Require(TargetKl is null || TargetKl > 0, $"--target-kl must be positive (got {TargetKl})");
    }
}

/// <summary>What one PPO update reports (CleanRL's logged scalars plus throughput).</summary>
/// <param name="Update">1-based update index (continues across --resume).</param>
/// <param name="GlobalStep">Env steps so far (all envs).</param>
/// <param name="Seconds">Wall seconds since this run started.</param>
/// <param name="StepsPerSecond">Env steps per second over this run.</param>
/// <param name="EpisodicReturn">Mean return of the episodes that ended in this update's rollout; NaN when none did.</param>
/// <param name="Episodes">Episodes that ended in this update's rollout.</param>
/// <param name="PolicyLoss">Clipped surrogate loss (last minibatch).</param>
/// <param name="ValueLoss">Value loss (last minibatch).</param>
/// <param name="Entropy">Mean entropy (last minibatch).</param>
/// <param name="ApproxKl">Approximate KL ((r − 1) − log r), last minibatch.</param>
/// <param name="ClipFraction">Fraction of samples clipped, over the update.</param>
/// <param name="ExplainedVariance">1 − Var(returns − values) / Var(returns) of the rollout.</param>
/// <param name="LearningRate">The learning rate used.</param>
/// <param name="RolloutSeconds">Seconds of this run spent collecting rollouts (env steps and the policy's forward passes).</param>
/// <param name="LearnSeconds">Seconds of this run spent in GAE and the gradient updates.</param>
public sealed record PpoUpdateStats(int Update, long GlobalStep, double Seconds, double StepsPerSecond, double EpisodicReturn, int Episodes,
    float PolicyLoss, float ValueLoss, float Entropy, float ApproxKl, float ClipFraction, float ExplainedVariance, float LearningRate,
    double RolloutSeconds, double LearnSeconds);
