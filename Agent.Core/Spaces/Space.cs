namespace AgentRnn.Core.Spaces;

/// <summary>
/// A Gymnasium-style space: the set of observations or actions an environment accepts.
/// Leaf spaces (<see cref="Box"/>, <see cref="Discrete"/>, <see cref="MultiDiscrete"/>) describe one tensor
/// per env; a <see cref="Dict"/> groups named spaces. Spaces are immutable.
/// </summary>
public abstract class Space
{
    private IReadOnlyList<LeafSpace>? _leaves;

    /// <summary>Leaf spaces in depth-first order (Dict entries in declared order): the order their tensors travel.</summary>
    public IReadOnlyList<LeafSpace> Leaves => _leaves ??= CollectLeaves();

    /// <summary>Structural equality: same kinds, shapes, dtypes, bounds and keys.</summary>
    public abstract bool SameAs(Space other);

    private List<LeafSpace> CollectLeaves()
    {
        var list = new List<LeafSpace>();
        Collect(this, list);
        return list;
    }

    private static void Collect(Space space, List<LeafSpace> into)
    {
        if (space is Dict dict)
        {
            foreach (KeyValuePair<string, Space> entry in dict.Entries)
            {
                Collect(entry.Value, into);
            }
        }
        else
        {
            into.Add((LeafSpace)space);
        }
    }
}
