using System.CommandLine;

namespace AgentRnn.Cli;

/// <summary>The subcommands of `agent`, in the order --help lists them.</summary>
internal static class Commands
{
    /// <summary>Every subcommand. Each command lives in its own file and exposes a static Create().</summary>
    public static IEnumerable<Command> All()
    {
        yield return ProbeCommand.Create();
        yield return InspectCommand.Create();
        yield return RunCommand.Create();
        yield return DevicesCommand.Create();
        yield return LabelCommand.Create();
        yield return BenchCommand.Create();
        yield return TrainCommand.Create();
        yield return SiloCommand.Create();
        yield return ClusterBenchCommand.Create();
    }
}
