using System.Buffers.Binary;
using System.Runtime.InteropServices;
using AgentRnn.Memory;
using AgentRnn.Vision;

namespace AgentRnn;

public sealed partial class AgentBrain
{
    /// <summary>Version of the memory format <see cref="SaveMemory(ReadOnlySpan{int})"/> writes.</summary>
    public const int MemoryFormatVersion = 1;

    // "AGRNMEM" + version byte; then the model's SHA-256, state floats per agent, agent count, and per agent:
    // id, steps, state floats, and the preprocessor (source width, height, format, state bytes; width 0 for none).
    private static ReadOnlySpan<byte> Magic => "AGRNMEM"u8;

    private const int HeaderBytes = 8 + ModelFingerprint.Bytes + 4 + 4;

    /// <summary>
    /// The memory of <paramref name="agentIds"/> (every agent when empty) as bytes: recurrent state, frame stack and
    /// max-pool buffer, step count, and the fingerprint of this brain's model. Unknown ids throw.
    /// </summary>
    public byte[] SaveMemory(ReadOnlySpan<int> agentIds = default)
    {
        ThrowIfDisposed();
        int[] ids = agentIds.IsEmpty ? AgentIds() : agentIds.ToArray();
        var agents = new AgentEntry[ids.Length];
        long total = HeaderBytes;
        for (int i = 0; i < ids.Length; i++)
        {
            agents[i] = Require(ids[i]);
            total += 4 + 8 + 4L * _stateSize + 12 + 4 + (agents[i].Preprocessor?.StateBytes ?? 0);
        }
        if (total > Array.MaxLength)
        {
            throw new InvalidOperationException($"the memory of {ids.Length} agents is {total} bytes, more than one array holds; save fewer agents at a time");
        }
        var bytes = new byte[total];
        float[] state = new float[_stateSize];
        Span<byte> s = bytes;
        Magic.CopyTo(s);
        s[7] = MemoryFormatVersion;
        _fingerprint.CopyTo(s[8..]);
        int at = 8 + ModelFingerprint.Bytes;
        BinaryPrimitives.WriteInt32LittleEndian(s[at..], _stateSize);
        BinaryPrimitives.WriteInt32LittleEndian(s[(at + 4)..], ids.Length);
        at += 8;
        foreach (AgentEntry agent in agents)
        {
            BinaryPrimitives.WriteInt32LittleEndian(s[at..], agent.Id);
            BinaryPrimitives.WriteInt64LittleEndian(s[(at + 4)..], agent.Steps);
            at += 12;
            _streams.Store.CopyState(agent.Id, state);
            MemoryMarshal.AsBytes(state.AsSpan()).CopyTo(s[at..]);
            at += 4 * _stateSize;
            FramePreprocessor? pre = agent.Preprocessor;
            BinaryPrimitives.WriteInt32LittleEndian(s[at..], pre?.SourceWidth ?? 0);
            BinaryPrimitives.WriteInt32LittleEndian(s[(at + 4)..], pre?.SourceHeight ?? 0);
            BinaryPrimitives.WriteInt32LittleEndian(s[(at + 8)..], (int)(pre?.SourceFormat ?? 0));
            BinaryPrimitives.WriteInt32LittleEndian(s[(at + 12)..], pre?.StateBytes ?? 0);
            at += 16;
            if (pre is not null)
            {
                pre.SaveState(s.Slice(at, pre.StateBytes));
                at += pre.StateBytes;
            }
        }
        return bytes;
    }

    /// <summary>Writes <see cref="SaveMemory(ReadOnlySpan{int})"/>'s bytes to <paramref name="path"/> (through a temporary file, so a crash leaves the old file whole).</summary>
    public void SaveMemory(string path, ReadOnlySpan<int> agentIds = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes = SaveMemory(agentIds);
        if (Directory.Exists(path))
        {
            throw new IOException($"memory file {path} is a directory");
        }
        string temporary = path + ".tmp-" + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// Restores agents saved by <see cref="SaveMemory(ReadOnlySpan{int})"/>: each saved agent is added, or replaced,
    /// with its recurrent state, frame stack, max-pool buffer and step count; other agents are left as they are. The
    /// bytes are checked whole before anything changes. Memory saved by a different model throws a
    /// <see cref="StateSnapshotException"/> with one line naming both fingerprints.
    /// </summary>
    public void RestoreMemory(ReadOnlySpan<byte> bytes)
    {
        ThrowIfDisposed();
        if (bytes.Length < HeaderBytes || !bytes[..7].SequenceEqual(Magic))
        {
            throw new StateSnapshotException("not an AgentRnn memory snapshot (bad header)");
        }
        if (bytes[7] != MemoryFormatVersion)
        {
            throw new StateSnapshotException($"memory snapshot format {bytes[7]} is not supported; this build reads format {MemoryFormatVersion}");
        }
        ReadOnlySpan<byte> fingerprint = bytes.Slice(8, ModelFingerprint.Bytes);
        if (!fingerprint.SequenceEqual(_fingerprint))
        {
            throw new StateSnapshotException(
                $"memory snapshot was saved by model {Convert.ToHexString(fingerprint[..6]).ToLowerInvariant()}, this brain runs model {Model.Fingerprint[..12]}; restore it into the model that saved it");
        }
        int at = 8 + ModelFingerprint.Bytes;
        int stateSize = BinaryPrimitives.ReadInt32LittleEndian(bytes[at..]);
        int count = BinaryPrimitives.ReadInt32LittleEndian(bytes[(at + 4)..]);
        at += 8;
        if (stateSize != _stateSize || count < 0 || count > MaxAgents)
        {
            throw new StateSnapshotException($"memory snapshot header is inconsistent: {count} agents of {stateSize} floats (this model keeps {_stateSize})");
        }
        // Pass 1 checks every length and preprocessor state; pass 2 applies them.
        var entries = new (int Id, long Steps, int State, int Width, int Height, PixelFormat Format, int Pre, int PreBytes)[count];
        var seen = new HashSet<int>();
        for (int i = 0; i < count; i++)
        {
            long needed = (long)at + 12 + 4L * stateSize + 16;
            if (needed > bytes.Length)
            {
                throw new StateSnapshotException($"memory snapshot is truncated in agent {i} of {count}");
            }
            int id = BinaryPrimitives.ReadInt32LittleEndian(bytes[at..]);
            long steps = BinaryPrimitives.ReadInt64LittleEndian(bytes[(at + 4)..]);
            int state = at + 12;
            at = state + 4 * stateSize;
            int width = BinaryPrimitives.ReadInt32LittleEndian(bytes[at..]);
            int height = BinaryPrimitives.ReadInt32LittleEndian(bytes[(at + 4)..]);
            int format = BinaryPrimitives.ReadInt32LittleEndian(bytes[(at + 8)..]);
            int preBytes = BinaryPrimitives.ReadInt32LittleEndian(bytes[(at + 12)..]);
            at += 16;
            if (!seen.Add(id) || steps < 0 || width < 0 || height < 0 || preBytes < 0 || (long)at + preBytes > bytes.Length
                || !Enum.IsDefined((PixelFormat)format) || (width == 0) != (preBytes == 0) || (width > 0 && _preprocess is null))
            {
                throw new StateSnapshotException($"memory snapshot: agent {i} of {count} (id {id}) is malformed");
            }
            entries[i] = (id, steps, state, width, height, (PixelFormat)format, at, preBytes);
            at += preBytes;
        }
        if (at != bytes.Length)
        {
            throw new StateSnapshotException($"memory snapshot has {bytes.Length - at} bytes after its last agent");
        }
        var restored = new FramePreprocessor?[count];
        try
        {
            for (int i = 0; i < count; i++)
            {
                var e = entries[i];
                if (e.Width > 0)
                {
                    var pre = new FramePreprocessor(e.Width, e.Height, e.Format, _preprocess);
                    restored[i] = pre;
                    if (pre.StateBytes != e.PreBytes)
                    {
                        throw new StateSnapshotException($"memory snapshot: agent {e.Id}'s frame state is {e.PreBytes} bytes, its preprocessor keeps {pre.StateBytes}");
                    }
                    pre.RestoreState(bytes.Slice(e.Pre, e.PreBytes));
                }
            }
        }
        catch (Exception ex) when (ex is ArgumentException or AgentRnn.Core.AgentException && ex is not StateSnapshotException)
        {
            foreach (FramePreprocessor? p in restored)
            {
                p?.Dispose();
            }
            throw new StateSnapshotException($"memory snapshot: a frame state does not restore: {ex.Message}", ex);
        }
        var slotState = new float[stateSize];
        for (int i = 0; i < count; i++)
        {
            var e = entries[i];
            Remove(e.Id);
            AgentEntry agent = GetOrAdd(e.Id); // added to the store with a zeroed slot, then overwritten
            MemoryMarshal.Cast<byte, float>(bytes.Slice(e.State, 4 * stateSize)).CopyTo(slotState);
            _streams.Store.SetState(e.Id, slotState);
            agent.Preprocessor = restored[i];
            agent.Steps = e.Steps;
        }
    }

    /// <summary>Restores agents from a file written by <see cref="SaveMemory(string, ReadOnlySpan{int})"/>; see <see cref="RestoreMemory(ReadOnlySpan{byte})"/>.</summary>
    public void RestoreMemory(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new StateSnapshotException($"memory file {path} does not exist");
        }
        // A header plus MaxAgents agents of a large LSTM is far below this; it only stops a wrong path from filling memory.
        const long Limit = 1L << 31;
        if (info.Length > Limit)
        {
            throw new StateSnapshotException($"memory file {path} is {info.Length} bytes, more than a snapshot can be");
        }
        RestoreMemory(File.ReadAllBytes(path));
    }
}
