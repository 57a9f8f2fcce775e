namespace AgentRnn.Core.Spaces;

/// <summary>Gymnasium's Dict: named sub-spaces in a fixed order (the order their values travel).</summary>
public sealed class Dict : Space
{
    private readonly KeyValuePair<string, Space>[] _entries;

    /// <summary>Entries in order; keys must be unique and there must be at least one.</summary>
    public Dict(IEnumerable<KeyValuePair<string, Space>> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _entries = entries.ToArray();
        if (_entries.Length == 0)
        {
            throw new ArgumentException("a Dict space needs at least one entry");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, Space> e in _entries)
        {
            ArgumentNullException.ThrowIfNull(e.Value);
            if (!seen.Add(e.Key))
            {
                throw new ArgumentException($"Dict space repeats key '{e.Key}'");
            }
        }
    }

    /// <summary>The named sub-spaces, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, Space>> Entries => _entries;

    /// <summary>The sub-space named <paramref name="key"/>.</summary>
    public Space this[string key] => _entries.First(e => e.Key == key).Value;

    /// <inheritdoc />
    public override bool SameAs(Space other) =>
        other is Dict d && d._entries.Length == _entries.Length
        && _entries.Zip(d._entries).All(p => p.First.Key == p.Second.Key && p.First.Value.SameAs(p.Second.Value));

    /// <inheritdoc />
    public override string ToString() => "Dict(" + string.Join(", ", _entries.Select(e => $"'{e.Key}': {e.Value}")) + ")";
}
