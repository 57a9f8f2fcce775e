using System.Text.Json;

namespace AgentRnn.Host.Env;

/// <summary>
/// The result of a vector env's reset or step, in caller-owned buffers that are filled in place every call:
/// observations (N rows), rewards, per-env <see cref="StepFlags"/>, final observations (row i valid when env i's flags
/// carry <see cref="StepFlags.FinalObservation"/>), and the infos as raw UTF-8 JSON (an array of N objects, or empty).
/// </summary>
public sealed class VectorStep
{
    private readonly double[] _rewards;
    private readonly StepFlags[] _flags;
    private byte[] _info = [];
    private int _infoLength;

    /// <summary>Allocates buffers for <paramref name="spec"/>'s envs.</summary>
    public VectorStep(EnvSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Spec = spec;
        Observations = new SpaceBatch(spec.ObservationSpace, spec.NumEnvs);
        FinalObservations = new SpaceBatch(spec.ObservationSpace, spec.NumEnvs);
        _rewards = new double[spec.NumEnvs];
        _flags = new StepFlags[spec.NumEnvs];
    }

    /// <summary>The spec the buffers were sized for.</summary>
    public EnvSpec Spec { get; }

    /// <summary>Number of envs.</summary>
    public int NumEnvs => _rewards.Length;

    /// <summary>The observation of every env after the call.</summary>
    public SpaceBatch Observations { get; }

    /// <summary>Final observations of episodes that ended in a same-step autoreset (rows flagged FinalObservation).</summary>
    public SpaceBatch FinalObservations { get; }

    /// <summary>Reward per env (0 after a reset).</summary>
    public Span<double> Rewards => _rewards;

    /// <summary>Flags per env.</summary>
    public Span<StepFlags> Flags => _flags;

    /// <summary>The infos as UTF-8 JSON: an array of N objects, or empty when every info is empty.</summary>
    public ReadOnlySpan<byte> InfoJson => _info.AsSpan(0, _infoLength);

    /// <summary>Whether env <paramref name="env"/>'s episode ended in this step (terminated or truncated).</summary>
    public bool IsDone(int env) => (_flags[env] & (StepFlags.Terminated | StepFlags.Truncated)) != 0;

    /// <summary>Whether env <paramref name="env"/>'s observation begins a new episode (after an autoreset).</summary>
    public bool StartsEpisode(int env) => (_flags[env] & StepFlags.EpisodeStart) != 0;

    /// <summary>Clears rewards, flags and infos before a call fills them.</summary>
    public void Clear()
    {
        Array.Clear(_rewards);
        Array.Clear(_flags);
        _infoLength = 0;
    }

    /// <summary>Stores the infos JSON (copied into a buffer grown only when a larger one arrives).</summary>
    public void SetInfoJson(ReadOnlySpan<byte> utf8Json)
    {
        if (_info.Length < utf8Json.Length)
        {
            _info = new byte[Math.Max(utf8Json.Length, _info.Length * 2)];
        }
        utf8Json.CopyTo(_info);
        _infoLength = utf8Json.Length;
    }

    /// <summary>Env <paramref name="env"/>'s info object, parsed (allocates; for diagnostics and tests, not the hot loop).</summary>
    public JsonElement Info(int env)
    {
        if (_infoLength == 0)
        {
            return JsonDocument.Parse("{}").RootElement.Clone();
        }
        using JsonDocument doc = JsonDocument.Parse(_info.AsMemory(0, _infoLength));
        return doc.RootElement[env].Clone();
    }
}
