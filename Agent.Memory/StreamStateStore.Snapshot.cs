using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using AgentRnn.Core;
using AgentRnn.Core.SafeTensors;

namespace AgentRnn.Memory;

public sealed partial class StreamStateStore
{
    /// <summary>The snapshot format's version, in both the byte and the safetensors form.</summary>
    public const int SnapshotVersion = 1;

    private const string FileFormat = "agentrnn.stream_state";
    private const int HeaderBytes = 24; // magic, version, state size, count (4 bytes each), steps (8)
    private const int EntryBytes = 16;  // id, last step (8 bytes each)
    private static ReadOnlySpan<byte> Magic => "AGSS"u8;

    /// <summary>
    /// Serializes every stream (id, idle step count, state) and <see cref="Steps"/>. Layout, little-endian:
    /// "AGSS", u32 version, u32 state size, u32 count, i64 steps, count × (i64 id, i64 last step), count × state size × f32.
    /// Wall-clock idle times are not kept: a restored stream counts as touched at restore time.
    /// </summary>
    public byte[] Snapshot()
    {
        int count = _slotOf.Count;
        byte[] bytes = new byte[checked(HeaderBytes + count * (EntryBytes + 4L * StateSize))];
        Span<byte> span = bytes;
        Magic.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span.Slice(4), SnapshotVersion);
        BinaryPrimitives.WriteInt32LittleEndian(span.Slice(8), StateSize);
        BinaryPrimitives.WriteInt32LittleEndian(span.Slice(12), count);
        BinaryPrimitives.WriteInt64LittleEndian(span.Slice(16), _steps);
        int entry = HeaderBytes;
        int data = HeaderBytes + count * EntryBytes;
        var row = new float[StateSize];
        foreach ((long id, int slot) in _slotOf)
        {
            BinaryPrimitives.WriteInt64LittleEndian(span.Slice(entry), id);
            BinaryPrimitives.WriteInt64LittleEndian(span.Slice(entry + 8), _lastStep[slot]);
            entry += EntryBytes;
            Slots.ReadSlot(slot, row);
            foreach (float v in row)
            {
                BinaryPrimitives.WriteSingleLittleEndian(span.Slice(data), v);
                data += 4;
            }
        }
        return bytes;
    }

    /// <summary>
    /// Replaces the store's whole content with a <see cref="Snapshot"/>. Everything is validated before anything
    /// changes: a truncated, oversized, hostile or mismatched snapshot throws <see cref="StateSnapshotException"/>
    /// naming the byte offset, and the store is left as it was.
    /// </summary>
    public void Restore(ReadOnlySpan<byte> snapshot)
    {
        const string source = "state snapshot";
        if (snapshot.Length < HeaderBytes)
        {
            throw new StateSnapshotException($"{source}: {snapshot.Length} bytes, shorter than the {HeaderBytes}-byte header");
        }
        if (!snapshot.Slice(0, 4).SequenceEqual(Magic))
        {
            throw new StateSnapshotException($"{source}: bytes 0..3 are not the magic \"AGSS\"");
        }
        int version = BinaryPrimitives.ReadInt32LittleEndian(snapshot.Slice(4));
        if (version != SnapshotVersion)
        {
            throw new StateSnapshotException($"{source}: version {version} at byte 4, this build reads version {SnapshotVersion}");
        }
        int stateSize = BinaryPrimitives.ReadInt32LittleEndian(snapshot.Slice(8));
        CheckStateSize(source, stateSize);
        int count = BinaryPrimitives.ReadInt32LittleEndian(snapshot.Slice(12));
        long perStream = EntryBytes + 4L * StateSize;
        if (count < 0 || count > (snapshot.Length - HeaderBytes) / perStream || HeaderBytes + count * perStream != snapshot.Length)
        {
            throw new StateSnapshotException(
                $"{source}: count {count} at byte 12 needs {HeaderBytes + (long)Math.Max(count, 0) * perStream} bytes, the snapshot has {snapshot.Length}");
        }
        long steps = BinaryPrimitives.ReadInt64LittleEndian(snapshot.Slice(16));
        var ids = new long[count];
        var lastSteps = new long[count];
        for (int i = 0; i < count; i++)
        {
            ids[i] = BinaryPrimitives.ReadInt64LittleEndian(snapshot.Slice(HeaderBytes + i * EntryBytes));
            lastSteps[i] = BinaryPrimitives.ReadInt64LittleEndian(snapshot.Slice(HeaderBytes + i * EntryBytes + 8));
        }
        var states = new float[count * StateSize];
        ReadOnlySpan<byte> data = snapshot.Slice(HeaderBytes + count * EntryBytes);
        for (int i = 0; i < states.Length; i++)
        {
            states[i] = BinaryPrimitives.ReadSingleLittleEndian(data.Slice(i * 4));
        }
        Replace(source, steps, ids, lastSteps, states, i => $"entry {i} at byte {HeaderBytes + (long)i * EntryBytes}");
    }

    /// <summary>
    /// Writes every stream to a safetensors file (atomically): tensor "state" (count, StateSize) F32, with the ids,
    /// idle step counts and <see cref="Steps"/> as decimal strings in the metadata (ids are 64-bit; F32 cannot hold them).
    /// </summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        Tensor state;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = FileFormat,
            ["version"] = SnapshotVersion.ToString(CultureInfo.InvariantCulture),
            ["state_size"] = StateSize.ToString(CultureInfo.InvariantCulture),
        };
        int count = _slotOf.Count;
        state = new Tensor(count, StateSize);
        var ids = new StringBuilder();
        var lastSteps = new StringBuilder();
        int row = 0;
        foreach ((long id, int slot) in _slotOf)
        {
            string separator = row == 0 ? "" : ",";
            ids.Append(separator).Append(id.ToString(CultureInfo.InvariantCulture));
            lastSteps.Append(separator).Append(_lastStep[slot].ToString(CultureInfo.InvariantCulture));
            Slots.ReadSlot(slot, state.Span.Slice(row * StateSize, StateSize));
            row++;
        }
        metadata["steps"] = _steps.ToString(CultureInfo.InvariantCulture);
        metadata["ids"] = ids.ToString();
        metadata["last_steps"] = lastSteps.ToString();
        SafeTensorsWriter.Write(path, [new KeyValuePair<string, Tensor>("state", state)], metadata);
    }

    /// <summary>
    /// Replaces the store's whole content with a file written by <see cref="Save"/>. Everything is validated first;
    /// a malformed or mismatched file throws an <see cref="AgentException"/> naming the path, and the store is left as it was.
    /// </summary>
    public void Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        string Meta(string key) => file.Metadata.TryGetValue(key, out string? value)
            ? value
            : throw new StateSnapshotException($"{path}: metadata '{key}' is missing; not a stream-state file");
        if (Meta("format") != FileFormat)
        {
            throw new StateSnapshotException($"{path}: metadata format is '{Meta("format")}', expected '{FileFormat}'");
        }
        if (Meta("version") != SnapshotVersion.ToString(CultureInfo.InvariantCulture))
        {
            throw new StateSnapshotException($"{path}: version '{Meta("version")}', this build reads version {SnapshotVersion}");
        }
        CheckStateSize(path, ParseLong(path, "state_size", Meta("state_size")));
        long steps = ParseLong(path, "steps", Meta("steps"));
        long[] ids = ParseList(path, "ids", Meta("ids"));
        long[] lastSteps = ParseList(path, "last_steps", Meta("last_steps"));
        if (lastSteps.Length != ids.Length)
        {
            throw new StateSnapshotException($"{path}: {ids.Length} ids but {lastSteps.Length} last_steps");
        }
        TensorInfo info = file.Info("state");
        if (info.Shape.Length != 2 || info.Shape[0] != ids.Length || info.Shape[1] != StateSize)
        {
            throw new StateSnapshotException($"{path}: tensor 'state' has shape {info.ShapeString}, expected ({ids.Length}, {StateSize})");
        }
        float[] states = file.ReadTensor("state").Data;
        Replace(path, steps, ids, lastSteps, states, i => $"stream {i} (id {ids[i]})");
    }

    private void CheckStateSize(string source, long stateSize)
    {
        if (stateSize != StateSize)
        {
            throw new StateSnapshotException($"{source}: state size {stateSize}, this store holds states of {StateSize} floats");
        }
    }

    private static long ParseLong(string path, string key, string text) =>
        long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new StateSnapshotException($"{path}: metadata '{key}' is not an integer");

    private static long[] ParseList(string path, string key, string text)
    {
        if (text.Length == 0)
        {
            return [];
        }
        string[] parts = text.Split(',');
        var values = new long[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out values[i]))
            {
                throw new StateSnapshotException($"{path}: metadata '{key}' item {i} is not an integer");
            }
        }
        return values;
    }

    // Validates a decoded snapshot, then swaps it in; where(i) names entry i for messages.
    private void Replace(string source, long steps, long[] ids, long[] lastSteps, float[] states, Func<int, string> where)
    {
        if (steps < 0)
        {
            throw new StateSnapshotException($"{source}: steps {steps} is negative");
        }
        var slots = new Dictionary<long, int>(ids.Length);
        for (int i = 0; i < ids.Length; i++)
        {
            if (!slots.TryAdd(ids[i], i))
            {
                throw new StateSnapshotException($"{source}: {where(i)}: stream id {ids[i]} appears twice");
            }
            if (lastSteps[i] < 0 || lastSteps[i] > steps)
            {
                throw new StateSnapshotException($"{source}: {where(i)}: last step {lastSteps[i]} is outside [0, {steps}]");
            }
            if (!System.Numerics.Tensors.TensorPrimitives.IsFiniteAll<float>(states.AsSpan(i * StateSize, StateSize)))
            {
                throw new StateSnapshotException($"{source}: {where(i)}: state holds a non-finite value");
            }
        }
        // Every slot becomes free again, then the snapshot's streams take slots in its order.
        _slotOf.Clear();
        _freeCount = 0;
        for (int slot = _capacity - 1; slot >= 0; slot--)
        {
            _free[_freeCount++] = slot;
        }
        if (ids.Length > _capacity)
        {
            Grow(ids.Length);
        }
        _steps = steps;
        long now = _time.GetTimestamp();
        for (int i = 0; i < ids.Length; i++)
        {
            int slot = TakeSlot();
            _slotOf.Add(ids[i], slot);
            _lastStep[slot] = lastSteps[i];
            _lastTouch[slot] = now;
            Slots.WriteSlot(slot, states.AsSpan(i * StateSize, StateSize));
        }
    }
}
