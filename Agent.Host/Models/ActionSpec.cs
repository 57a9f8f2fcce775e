namespace AgentRnn.Host.Models;

/// <summary>
/// An action space: its kind and sizes. Discrete has one size (n), MultiDiscrete one per sub-space (nvec),
/// Box one (the vector's length).
/// </summary>
public sealed class ActionSpec
{
    private readonly int[] _sizes;

    /// <summary>Creates a space; every size must be positive, Discrete and Box take exactly one.</summary>
    public ActionSpec(ActionKind kind, params int[] sizes)
    {
        ArgumentNullException.ThrowIfNull(sizes);
        if (sizes.Length == 0 || sizes.Any(s => s <= 0) || (kind != ActionKind.MultiDiscrete && sizes.Length != 1))
        {
            throw new ArgumentException($"{kind} action space cannot have sizes [{string.Join(", ", sizes)}]", nameof(sizes));
        }
        Kind = kind;
        _sizes = (int[])sizes.Clone();
    }

    /// <summary>n actions.</summary>
    public static ActionSpec Discrete(int n) => new(ActionKind.Discrete, n);

    /// <summary>One sub-space per entry of <paramref name="nvec"/>.</summary>
    public static ActionSpec MultiDiscrete(params int[] nvec) => new(ActionKind.MultiDiscrete, nvec);

    /// <summary>A real vector of <paramref name="dimensions"/> entries.</summary>
    public static ActionSpec Box(int dimensions) => new(ActionKind.Box, dimensions);

    /// <summary>The kind of space.</summary>
    public ActionKind Kind { get; }

    /// <summary>n, nvec or the vector length.</summary>
    public IReadOnlyList<int> Sizes => _sizes;

    /// <summary>Floats per stream the actor outputs: Σ sizes (logits, or the Gaussian's mean).</summary>
    public int Width => _sizes.Sum();

    /// <summary>Action entries per stream: 1 for Discrete, len(nvec) for MultiDiscrete, the length for Box.</summary>
    public int ActionDimensions => Kind switch
    {
        ActionKind.Discrete => 1,
        ActionKind.MultiDiscrete => _sizes.Length,
        _ => _sizes[0],
    };

    /// <summary>"discrete(6)", "multi_discrete(3, 2)" or "box(2)".</summary>
    public override string ToString() => $"{KindName(Kind)}({string.Join(", ", _sizes)})";

    /// <summary>The name used in agent.config: discrete, multi_discrete or box.</summary>
    public static string KindName(ActionKind kind) => kind switch
    {
        ActionKind.Discrete => "discrete",
        ActionKind.MultiDiscrete => "multi_discrete",
        _ => "box",
    };
}
