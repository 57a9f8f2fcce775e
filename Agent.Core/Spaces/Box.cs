namespace AgentRnn.Core.Spaces;

/// <summary>
/// Gymnasium's Box: a tensor of <see cref="LeafSpace.Shape"/> and <see cref="LeafSpace.DType"/> whose elements lie in
/// [low, high] (per element, C order; ±infinity for unbounded). Images are uint8 boxes, by Gymnasium's convention
/// (height, width, channels).
/// </summary>
public sealed class Box : LeafSpace
{
    private readonly double[] _low;
    private readonly double[] _high;

    /// <summary>Per-element bounds: low and high hold one value per element, or one value for all.</summary>
    public Box(ReadOnlySpan<double> low, ReadOnlySpan<double> high, ReadOnlySpan<int> shape, DType dtype = DType.Float32)
        : base(shape, dtype)
    {
        _low = Compact(low, ElementCount, "low");
        _high = Compact(high, ElementCount, "high");
        if (_low.Length != _high.Length)
        {
            // One side is uniform and the other is not: store both per element so they index alike.
            _low = Spread(_low, ElementCount);
            _high = Spread(_high, ElementCount);
        }
        for (int i = 0; i < _low.Length; i++)
        {
            if (double.IsNaN(_low[i]) || double.IsNaN(_high[i]) || _low[i] > _high[i])
            {
                throw new ArgumentException($"Box bound {i}: low {_low[i]} > high {_high[i]}");
            }
        }
    }

    /// <summary>The same bounds for every element.</summary>
    public Box(double low, double high, ReadOnlySpan<int> shape, DType dtype = DType.Float32)
        : this([low], [high], shape, dtype)
    {
    }

    /// <summary>Lower bounds in C order: one value when <see cref="IsUniform"/>, else one per element.</summary>
    public ReadOnlySpan<double> Low => _low;

    /// <summary>Upper bounds in C order: one value when <see cref="IsUniform"/>, else one per element.</summary>
    public ReadOnlySpan<double> High => _high;

    /// <summary>Whether every element shares one low and one high (then Low and High hold one value each).</summary>
    public bool IsUniform => _low.Length == 1;

    /// <summary>Lower bound of element <paramref name="index"/>.</summary>
    public double LowAt(int index) => _low.Length == 1 ? _low[0] : _low[index];

    /// <summary>Upper bound of element <paramref name="index"/>.</summary>
    public double HighAt(int index) => _high.Length == 1 ? _high[0] : _high[index];

    /// <inheritdoc />
    protected override bool SameParameters(LeafSpace other) =>
        other is Box box && box.Low.SequenceEqual(Low) && box.High.SequenceEqual(High);

    /// <inheritdoc />
    public override string ToString() =>
        $"Box({(_low.Length > 0 ? _low.Min() : 0)}, {(_high.Length > 0 ? _high.Max() : 0)}, {Tensor.FormatShape(Shape)}, {DType.Name()})";

    // Uniform bounds stay one value: a (84, 84, 3) image box must not cost 21168 doubles per side.
    private static double[] Compact(ReadOnlySpan<double> bounds, int count, string name)
    {
        if (bounds.Length != 1 && bounds.Length != count)
        {
            throw new ArgumentException($"Box {name} has {bounds.Length} values for {count} elements (expected 1 or {count})");
        }
        foreach (double v in bounds)
        {
            if (!v.Equals(bounds[0]))
            {
                return bounds.ToArray();
            }
        }
        return count == 0 && bounds.IsEmpty ? [0.0] : [bounds[0]];
    }

    private static double[] Spread(double[] bounds, int count)
    {
        if (bounds.Length == count)
        {
            return bounds;
        }
        var all = new double[count];
        Array.Fill(all, bounds[0]);
        return all;
    }
}
