using AgentRnn.Core.Spaces;

namespace AgentRnn.Host.Env;

/// <summary>
/// A batch of elements of a <see cref="Space"/>: one <see cref="TensorBuffer"/> per leaf (depth-first, Dict entries
/// in order), each (Batch, *leaf shape). Observations and actions of vector envs live in these, allocated once.
/// </summary>
public sealed class SpaceBatch
{
    private readonly TensorBuffer[] _leaves;

    /// <summary>Allocates zeroed buffers for <paramref name="batch"/> elements of <paramref name="space"/>.</summary>
    public SpaceBatch(Space space, int batch)
    {
        ArgumentNullException.ThrowIfNull(space);
        Space = space;
        Batch = batch;
        _leaves = space.Leaves.Select(l => new TensorBuffer(l, batch)).ToArray();
    }

    /// <summary>The space the elements belong to.</summary>
    public Space Space { get; }

    /// <summary>Number of rows (envs).</summary>
    public int Batch { get; }

    /// <summary>Number of leaf tensors.</summary>
    public int LeafCount => _leaves.Length;

    /// <summary>Leaf <paramref name="index"/>'s buffer, in <see cref="Space.Leaves"/> order.</summary>
    public TensorBuffer Leaf(int index) => _leaves[index];

    /// <summary>The only leaf's buffer, for spaces that are not Dicts.</summary>
    public TensorBuffer Single => _leaves.Length == 1 ? _leaves[0] : throw new InvalidOperationException($"{Space} has {_leaves.Length} leaves");

    /// <summary>Copies row <paramref name="sourceRow"/> of <paramref name="source"/> (same space) into row <paramref name="row"/>.</summary>
    public void CopyRow(SpaceBatch source, int sourceRow, int row)
    {
        ArgumentNullException.ThrowIfNull(source);
        for (int k = 0; k < _leaves.Length; k++)
        {
            source._leaves[k].RowBytes(sourceRow).CopyTo(_leaves[k].RowBytes(row));
        }
    }
}
