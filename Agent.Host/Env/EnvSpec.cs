using AgentRnn.Core.Spaces;

namespace AgentRnn.Host.Env;

/// <summary>What a vector env declares: its spaces, how many envs it steps together, and its autoreset mode.</summary>
/// <param name="ObservationSpace">One env's observation space.</param>
/// <param name="ActionSpace">One env's action space.</param>
/// <param name="NumEnvs">Envs stepped together (1 for a plain env).</param>
/// <param name="Autoreset">How finished episodes restart.</param>
/// <param name="MetadataJson">A JSON object of metadata (env name, render fps), or null.</param>
public sealed record EnvSpec(Space ObservationSpace, Space ActionSpace, int NumEnvs, AutoresetMode Autoreset = AutoresetMode.NextStep, string? MetadataJson = null);
