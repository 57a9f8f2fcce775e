namespace AgentRnn.Core.Spaces;

/// <summary>Gymnasium's Discrete(n, start): one integer in [start, start + n), an int64 scalar per env.</summary>
public sealed class Discrete : LeafSpace
{
    /// <summary>n choices starting at <paramref name="start"/>.</summary>
    public Discrete(long n, long start = 0)
        : base([], DType.Int64)
    {
        if (n < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "Discrete needs n >= 1");
        }
        N = n;
        Start = start;
    }

    /// <summary>Number of choices.</summary>
    public long N { get; }

    /// <summary>The smallest value.</summary>
    public long Start { get; }

    /// <summary>Whether <paramref name="value"/> is one of the choices.</summary>
    public bool Contains(long value) => value >= Start && value - Start < N;

    /// <inheritdoc />
    protected override bool SameParameters(LeafSpace other) => other is Discrete d && d.N == N && d.Start == Start;

    /// <inheritdoc />
    public override string ToString() => Start == 0 ? $"Discrete({N})" : $"Discrete({N}, start={Start})";
}
