using AgentRnn.Core.Spaces;
using AgentRnn.Host.Env;

namespace AgentRnn.Tests.Env;

/// <summary>Simple scripted policies for driving envs in tests (the model-backed policy is tested elsewhere).</summary>
internal sealed class ScriptedPolicy(Action<SpaceBatch, bool[], SpaceBatch> act) : IAgentPolicy
{
    public List<bool[]> Starts { get; } = [];

    public void Act(SpaceBatch observations, ReadOnlySpan<bool> episodeStarts, SpaceBatch actions)
    {
        bool[] starts = episodeStarts.ToArray();
        Starts.Add(starts);
        act(observations, starts, actions);
    }

    /// <summary>Always the same Discrete action.</summary>
    public static ScriptedPolicy Constant(long action) => new((_, _, a) => a.Single.As<long>().Fill(action));

    /// <summary>PointReach: move straight at the target (obs = x, y, tx, ty; action = velocity in [-1, 1]).</summary>
    public static ScriptedPolicy Chase() => new((obs, _, a) =>
    {
        for (int i = 0; i < obs.Batch; i++)
        {
            Span<float> o = obs.Single.Row<float>(i);
            Span<float> v = a.Single.Row<float>(i);
            v[0] = Math.Clamp((o[2] - o[0]) * 5, -1, 1);
            v[1] = Math.Clamp((o[3] - o[1]) * 5, -1, 1);
        }
    });
}

/// <summary>An episode record an env wrote to its own JSON-lines log.</summary>
internal sealed record LoggedEpisode(double Return, int Length, bool Terminated, bool Truncated)
{
    public static List<LoggedEpisode> Read(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l =>
        {
            using var doc = System.Text.Json.JsonDocument.Parse(l);
            var r = doc.RootElement;
            return new LoggedEpisode(r.GetProperty("return").GetDouble(), r.GetProperty("length").GetInt32(),
                r.GetProperty("terminated").GetBoolean(), r.GetProperty("truncated").GetBoolean());
        }).ToList();
}
