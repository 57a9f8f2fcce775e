using System.Diagnostics;

namespace AgentRnn.Host.Env;

/// <summary>
/// Plays a policy in a vector env until a number of episodes have finished across all its envs, summing each
/// episode's rewards. Handles every autoreset mode: in next-step mode the step after an episode's end is the reset
/// (its reward is not counted), in same-step mode the reset happens within the ending step, and in disabled mode the
/// runner sends a masked reset. A policy sees <c>episodeStarts[i]</c> exactly when env i's observation begins a new
/// episode.
/// </summary>
public static class EpisodeRunner
{
    /// <summary>
    /// Resets every env (env i with <paramref name="seed"/> + i) and plays until <paramref name="episodes"/> episodes have
    /// finished; partial episodes of other envs are discarded. Cancellation between steps ends the run early with the
    /// episodes finished so far and <see cref="RunReport.Interrupted"/> set.
    /// </summary>
    public static RunReport Run(IVectorEnv env, IAgentPolicy policy, int episodes, long? seed = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentOutOfRangeException.ThrowIfLessThan(episodes, 1);
        EnvSpec spec = env.Spec;
        int n = spec.NumEnvs;
        var result = new VectorStep(spec);
        var actions = new SpaceBatch(spec.ActionSpace, n);
        var starts = new bool[n];
        var returns = new double[n];
        var lengths = new int[n];
        var mask = new bool[n];
        var finished = new List<EpisodeRecord>(episodes);
        long steps = 0;
        long t0 = Stopwatch.GetTimestamp();

        env.Reset(seed, [], null, result);
        Array.Fill(starts, true);
        while (finished.Count < episodes)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return new RunReport(finished, steps, Stopwatch.GetElapsedTime(t0).TotalSeconds) { Interrupted = true };
            }
            policy.Act(result.Observations, starts, actions);
            env.Step(actions, result);
            bool anyDone = false;
            for (int i = 0; i < n; i++)
            {
                StepFlags f = result.Flags[i];
                bool done = (f & (StepFlags.Terminated | StepFlags.Truncated)) != 0;
                starts[i] = (f & StepFlags.EpisodeStart) != 0;
                if (starts[i] && !done)
                {
                    // Next-step mode's reset step: no transition of the finished episode, nothing to count.
                    continue;
                }
                returns[i] += result.Rewards[i];
                lengths[i]++;
                steps++;
                if (done)
                {
                    if (finished.Count < episodes)
                    {
                        finished.Add(new EpisodeRecord(i, returns[i], lengths[i], (f & StepFlags.Terminated) != 0, (f & StepFlags.Truncated) != 0));
                    }
                    returns[i] = 0;
                    lengths[i] = 0;
                    mask[i] = true;
                    anyDone = true;
                }
            }
            if (anyDone && spec.Autoreset == AutoresetMode.Disabled && finished.Count < episodes)
            {
                env.Reset(null, mask, null, result);
                for (int i = 0; i < n; i++)
                {
                    starts[i] = mask[i];
                }
            }
            if (anyDone)
            {
                Array.Clear(mask);
            }
        }
        return new RunReport(finished, steps, Stopwatch.GetElapsedTime(t0).TotalSeconds);
    }
}
