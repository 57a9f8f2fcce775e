namespace AgentRnn.Core.Spaces;

/// <summary>
/// Gymnasium's MultiDiscrete(nvec, start): a tensor of integers where element i lies in [start[i], start[i] + nvec[i]).
/// </summary>
public sealed class MultiDiscrete : LeafSpace
{
    private readonly long[] _nvec;
    private readonly long[] _start;

    /// <summary>nvec (and start, or all zeros) per element in C order of <paramref name="shape"/>.</summary>
    public MultiDiscrete(ReadOnlySpan<long> nvec, ReadOnlySpan<long> start, ReadOnlySpan<int> shape, DType dtype = DType.Int64)
        : base(shape, dtype)
    {
        if (!dtype.IsInteger())
        {
            throw new ArgumentException($"MultiDiscrete dtype {dtype.Name()} is not an integer type");
        }
        if (nvec.Length != ElementCount || (!start.IsEmpty && start.Length != ElementCount))
        {
            throw new ArgumentException($"MultiDiscrete nvec has {nvec.Length} and start {start.Length} values for shape {Tensor.FormatShape(shape)}");
        }
        foreach (long n in nvec)
        {
            if (n < 1)
            {
                throw new ArgumentException($"MultiDiscrete nvec entry {n} is < 1");
            }
        }
        _nvec = nvec.ToArray();
        _start = start.IsEmpty ? new long[ElementCount] : start.ToArray();
    }

    /// <summary>A flat MultiDiscrete: one element per entry of <paramref name="nvec"/>, starting at 0.</summary>
    public MultiDiscrete(params long[] nvec)
        : this(nvec, [], [nvec.Length])
    {
    }

    /// <summary>Number of choices per element.</summary>
    public ReadOnlySpan<long> Nvec => _nvec;

    /// <summary>Smallest value per element.</summary>
    public ReadOnlySpan<long> Start => _start;

    /// <inheritdoc />
    protected override bool SameParameters(LeafSpace other) =>
        other is MultiDiscrete m && m.Nvec.SequenceEqual(Nvec) && m.Start.SequenceEqual(Start);

    /// <inheritdoc />
    public override string ToString() => $"MultiDiscrete([{string.Join(", ", _nvec)}])";
}
