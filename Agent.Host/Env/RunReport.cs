namespace AgentRnn.Host.Env;

/// <summary>What <see cref="EpisodeRunner.Run"/> played.</summary>
/// <param name="Episodes">Finished episodes, in the order they ended (env index order within a step).</param>
/// <param name="Steps">Env-steps taken (each env's transition counts once; autoreset steps do not count).</param>
/// <param name="Seconds">Wall-clock time of the play loop.</param>
public sealed record RunReport(IReadOnlyList<EpisodeRecord> Episodes, long Steps, double Seconds)
{
    /// <summary>Whether the run was cancelled before all episodes finished; <see cref="Episodes"/> holds those that did.</summary>
    public bool Interrupted { get; init; }

    /// <summary>Env-steps per second.</summary>
    public double Fps => Seconds > 0 ? Steps / Seconds : 0;
}
