using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using AgentRnn.Core;
using AgentRnn.Core.Spaces;

namespace AgentRnn.Host.Env;

/// <summary>
/// Encodes and decodes the env protocol's message payloads (envs/PROTOCOL.md). Decoders check every length against
/// the bytes present before using it, so a hostile message can neither read out of range nor make them allocate more
/// than the message's own size; values decode straight into preallocated <see cref="SpaceBatch"/> rows.
/// </summary>
internal static class MessageCodec
{
    private const byte KindBox = 1;
    private const byte KindDiscrete = 2;
    private const byte KindMultiDiscrete = 3;
    private const byte KindDict = 4;
    private const byte ResetHasSeed = 1;
    private const byte ResetHasMask = 2;

    // ------------------------------------------------------------------------------------------ framing

    /// <summary>
    /// Checks a 5-byte frame header against <paramref name="maxMessage"/> (header included) before anything is
    /// allocated for the payload; returns the type and the payload length.
    /// </summary>
    public static (MessageType Type, int PayloadLength) ReadHeader(ReadOnlySpan<byte> header, int maxMessage, string peer, string waitingFor)
    {
        uint length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (length < 1)
        {
            throw new EnvProtocolException($"{peer} sent a message with length 0 at byte 0 (while waiting for {waitingFor})");
        }
        if (length > (uint)maxMessage - 4)
        {
            throw new EnvProtocolException(
                $"{peer} sent a message of {(ulong)length + 4} bytes, more than the maximum {maxMessage} (while waiting for {waitingFor}; not an AgentRnn env?)",
                EnvErrorCode.TooLarge);
        }
        byte type = header[4];
        if (type < (byte)MessageType.Hello || type > (byte)MessageType.Error)
        {
            throw new EnvProtocolException($"{peer} sent unknown message type {type} at byte 4 (while waiting for {waitingFor}; not an AgentRnn env?)", EnvErrorCode.Unexpected);
        }
        return ((MessageType)type, (int)length - 1);
    }

    // ------------------------------------------------------------------------------------------ HELLO

    public static void WriteHello(WireWriter w, int maxMessage, ushort version = EnvProtocol.Version)
    {
        w.Begin();
        w.Bytes(EnvProtocol.Magic);
        w.U16(version);
        w.U16(0);
        w.U32((uint)maxMessage);
        w.Finish(MessageType.Hello);
    }

    /// <summary>Returns the client's version and maximum message size.</summary>
    public static (ushort Version, uint MaxMessage) ReadHello(ReadOnlySpan<byte> payload)
    {
        var r = new WireReader(payload);
        ReadOnlySpan<byte> magic = r.Bytes(4, "HELLO magic");
        if (!magic.SequenceEqual(EnvProtocol.Magic))
        {
            throw r.Fail("HELLO does not start with \"AGRN\" (is the peer an AgentRnn env client?)", 4);
        }
        ushort version = r.U16("HELLO version");
        r.U16("HELLO reserved");
        uint max = r.U32("HELLO max_message_size");
        r.End("HELLO");
        return (version, max);
    }

    // ------------------------------------------------------------------------------------------ SPEC

    public static void WriteSpec(WireWriter w, EnvSpec spec, int maxMessage)
    {
        w.Begin();
        w.U16(EnvProtocol.Version);
        w.U8((byte)spec.Autoreset);
        w.U8(0);
        w.U32((uint)maxMessage);
        w.U32((uint)spec.NumEnvs);
        WriteSpace(w, spec.ObservationSpace);
        WriteSpace(w, spec.ActionSpace);
        WriteJson(w, spec.MetadataJson);
        w.Finish(MessageType.Spec);
    }

    /// <summary>Decodes SPEC; the negotiated maximum must lie in [MinMaxMessageSize, clientMax] and hold a step's values.</summary>
    public static (EnvSpec Spec, int MaxMessage) ReadSpec(ReadOnlySpan<byte> payload, int clientMax)
    {
        var r = new WireReader(payload);
        ushort version = r.U16("SPEC version");
        if (version != EnvProtocol.Version)
        {
            throw new EnvProtocolException(
                $"protocol version mismatch: the env server speaks version {version}, this client speaks version {EnvProtocol.Version}",
                EnvErrorCode.VersionMismatch);
        }
        byte autoreset = r.U8("SPEC autoreset");
        if (autoreset > (byte)AutoresetMode.Disabled)
        {
            throw r.Fail($"SPEC has unknown autoreset mode {autoreset}", 1);
        }
        r.U8("SPEC reserved");
        uint max = r.U32("SPEC max_message_size");
        if (max < EnvProtocol.MinMaxMessageSize || max > (uint)clientMax)
        {
            throw r.Fail($"SPEC max_message_size {max} is outside {EnvProtocol.MinMaxMessageSize}..{clientMax}", 4);
        }
        uint numEnvs = r.U32("SPEC num_envs");
        if (numEnvs < 1 || numEnvs > EnvProtocol.MaxEnvs)
        {
            throw r.Fail($"SPEC num_envs {numEnvs} is outside 1..{EnvProtocol.MaxEnvs}", 4);
        }
        Space obs = ReadSpace(ref r, 0, "observation space", max);
        Space act = ReadSpace(ref r, 0, "action space", max);
        string? metadata = ReadJson(ref r, "SPEC metadata");
        if (metadata is not null)
        {
            ValidateJson(metadata, JsonValueKind.Object, "SPEC metadata");
        }
        r.End("SPEC");
        var spec = new EnvSpec(obs, act, (int)numEnvs, (AutoresetMode)autoreset, metadata);
        long need = WorstStepResultBytes(spec);
        if (need > max)
        {
            throw new EnvProtocolException(
                $"a step of {numEnvs} envs with observation space {obs} can take {need} bytes, more than the negotiated maximum message size {max}",
                EnvErrorCode.TooLarge);
        }
        return (spec, (int)max);
    }

    /// <summary>Upper bound of a STEP_RESULT's size (observations and final observations of every env, rewards, flags, headers).</summary>
    public static long WorstStepResultBytes(EnvSpec spec)
    {
        long element = 0;
        foreach (LeafSpace leaf in spec.ObservationSpace.Leaves)
        {
            element += (long)leaf.ElementCount * leaf.DType.Size();
        }
        return 2 * element * spec.NumEnvs + 9L * spec.NumEnvs + 2 * spec.ObservationSpace.Leaves.Count * (2 + 4 * (EnvProtocol.MaxRank + 1)) + 64;
    }

    // ------------------------------------------------------------------------------------------ spaces

    public static void WriteSpace(WireWriter w, Space space)
    {
        switch (space)
        {
            case Box box:
                w.U8(KindBox);
                w.U8((byte)box.DType);
                WriteDims(w, box.Shape);
                if (box.IsUniform)
                {
                    w.U8(0);
                    w.F64(box.Low[0]);
                    w.F64(box.High[0]);
                }
                else
                {
                    w.U8(1);
                    foreach (double v in box.Low)
                    {
                        w.F64(v);
                    }
                    foreach (double v in box.High)
                    {
                        w.F64(v);
                    }
                }
                break;
            case Discrete d:
                w.U8(KindDiscrete);
                w.I64(d.N);
                w.I64(d.Start);
                break;
            case MultiDiscrete m:
                w.U8(KindMultiDiscrete);
                w.U8((byte)m.DType);
                WriteDims(w, m.Shape);
                foreach (long v in m.Nvec)
                {
                    w.I64(v);
                }
                foreach (long v in m.Start)
                {
                    w.I64(v);
                }
                break;
            case Dict dict:
                w.U8(KindDict);
                w.U16((ushort)dict.Entries.Count);
                foreach (KeyValuePair<string, Space> e in dict.Entries)
                {
                    byte[] key = Encoding.UTF8.GetBytes(e.Key);
                    w.U16((ushort)key.Length);
                    w.Bytes(key);
                    WriteSpace(w, e.Value);
                }
                break;
            default:
                throw new ArgumentException($"space {space} cannot travel over the env protocol");
        }
    }

    private static void WriteDims(WireWriter w, ReadOnlySpan<int> dims)
    {
        if (dims.Length > EnvProtocol.MaxRank)
        {
            throw new ArgumentException($"shape {Tensor.FormatShape(dims)} has rank above {EnvProtocol.MaxRank}");
        }
        w.U8((byte)dims.Length);
        foreach (int d in dims)
        {
            w.U32((uint)d);
        }
    }

    /// <summary>Decodes a space; <paramref name="maxMessage"/> caps one element's bytes (an element must fit a message).</summary>
    public static Space ReadSpace(ref WireReader r, int depth, string what, long maxMessage)
    {
        byte kind = r.U8($"{what} kind");
        switch (kind)
        {
            case KindBox:
            {
                DType dtype = ReadDType(ref r, what);
                Span<int> dims = stackalloc int[EnvProtocol.MaxRank];
                int rank = ReadDims(ref r, dims, what);
                long n = CheckedCount(ref r, dims[..rank], dtype, what, maxMessage);
                byte bounds = r.U8($"{what} bounds");
                try
                {
                    if (bounds == 0)
                    {
                        double low = r.F64($"{what} low");
                        double high = r.F64($"{what} high");
                        return new Box(low, high, dims[..rank], dtype);
                    }
                    if (bounds == 1)
                    {
                        r.Need(16 * n, $"{what} low/high");
                        var low = new double[n];
                        var high = new double[n];
                        for (int i = 0; i < n; i++)
                        {
                            low[i] = r.F64($"{what} low");
                        }
                        for (int i = 0; i < n; i++)
                        {
                            high[i] = r.F64($"{what} high");
                        }
                        return new Box(low, high, dims[..rank], dtype);
                    }
                }
                catch (ArgumentException e)
                {
                    throw r.Fail($"{what} is not a valid Box ({e.Message})");
                }
                throw r.Fail($"{what} has unknown bounds kind {bounds}", 1);
            }
            case KindDiscrete:
            {
                long n = r.I64($"{what} n");
                long start = r.I64($"{what} start");
                if (n < 1)
                {
                    throw r.Fail($"{what} is Discrete({n}); n must be >= 1", 16);
                }
                return new Discrete(n, start);
            }
            case KindMultiDiscrete:
            {
                DType dtype = ReadDType(ref r, what);
                if (!dtype.IsInteger())
                {
                    throw r.Fail($"{what} MultiDiscrete dtype {dtype.Name()} is not an integer type", 1);
                }
                Span<int> dims = stackalloc int[EnvProtocol.MaxRank];
                int rank = ReadDims(ref r, dims, what);
                long n = CheckedCount(ref r, dims[..rank], dtype, what, maxMessage);
                r.Need(16 * n, $"{what} nvec/start");
                var nvec = new long[n];
                var start = new long[n];
                for (int i = 0; i < n; i++)
                {
                    nvec[i] = r.I64($"{what} nvec");
                }
                for (int i = 0; i < n; i++)
                {
                    start[i] = r.I64($"{what} start");
                }
                try
                {
                    return new MultiDiscrete(nvec, start, dims[..rank], dtype);
                }
                catch (ArgumentException e)
                {
                    throw r.Fail($"{what} is not a valid MultiDiscrete ({e.Message})");
                }
            }
            case KindDict:
            {
                if (depth >= EnvProtocol.MaxDepth)
                {
                    throw r.Fail($"{what} nests Dicts deeper than {EnvProtocol.MaxDepth}", 1);
                }
                ushort count = r.U16($"{what} Dict count");
                if (count == 0 || count > EnvProtocol.MaxDictEntries)
                {
                    throw r.Fail($"{what} Dict has {count} entries, expected 1..{EnvProtocol.MaxDictEntries}", 2);
                }
                var entries = new List<KeyValuePair<string, Space>>(Math.Min((int)count, r.Remaining / 3 + 1));
                var keys = new HashSet<string>(StringComparer.Ordinal);
                for (int i = 0; i < count; i++)
                {
                    ushort keyLength = r.U16($"{what} key length");
                    ReadOnlySpan<byte> raw = r.Bytes(keyLength, $"{what} key");
                    string key;
                    try
                    {
                        key = StrictUtf8.GetString(raw);
                    }
                    catch (DecoderFallbackException)
                    {
                        throw r.Fail($"{what} key is not UTF-8", keyLength);
                    }
                    if (!keys.Add(key))
                    {
                        throw r.Fail($"{what} repeats key '{key}'");
                    }
                    entries.Add(new(key, ReadSpace(ref r, depth + 1, $"{what}['{key}']", maxMessage)));
                }
                return new Dict(entries);
            }
            default:
                throw r.Fail($"{what} has unknown space kind {kind}", 1);
        }
    }

    private static readonly UTF8Encoding StrictUtf8 = new(false, true);

    private static DType ReadDType(ref WireReader r, string what)
    {
        byte code = r.U8($"{what} dtype");
        return DTypes.IsDefined(code) ? (DType)code : throw r.Fail($"{what} has unknown dtype code {code}", 1);
    }

    private static int ReadDims(ref WireReader r, scoped Span<int> dims, string what)
    {
        byte rank = r.U8($"{what} rank");
        if (rank > EnvProtocol.MaxRank)
        {
            throw r.Fail($"{what} rank {rank} exceeds {EnvProtocol.MaxRank}", 1);
        }
        for (int i = 0; i < rank; i++)
        {
            uint d = r.U32($"{what} dim {i}");
            if (d > int.MaxValue)
            {
                throw r.Fail($"{what} dim {i} is {d}", 4);
            }
            dims[i] = (int)d;
        }
        return rank;
    }

    private static long CheckedCount(ref WireReader r, scoped ReadOnlySpan<int> dims, DType dtype, string what, long maxMessage)
    {
        long n = 1;
        foreach (int d in dims)
        {
            n *= d;
            if (n * dtype.Size() > maxMessage)
            {
                throw r.Fail($"{what} of shape {Tensor.FormatShape(dims)} has more bytes per element than the maximum message size {maxMessage}");
            }
        }
        return n;
    }

    // ------------------------------------------------------------------------------------------ values

    /// <summary>Writes rows [0, batch) of every leaf.</summary>
    public static void WriteValue(WireWriter w, SpaceBatch value, int batch)
    {
        for (int k = 0; k < value.LeafCount; k++)
        {
            TensorBuffer leaf = value.Leaf(k);
            WriteTensorHeader(w, leaf, batch);
            w.Bytes(leaf.Bytes[..(leaf.ElementBytes * batch)]);
        }
    }

    /// <summary>Writes only the rows whose flags carry <paramref name="select"/> (the compacted final-observation batch).</summary>
    public static void WriteValueRows(WireWriter w, SpaceBatch value, ReadOnlySpan<StepFlags> flags, StepFlags select, int count)
    {
        for (int k = 0; k < value.LeafCount; k++)
        {
            TensorBuffer leaf = value.Leaf(k);
            WriteTensorHeader(w, leaf, count);
            for (int i = 0; i < flags.Length; i++)
            {
                if ((flags[i] & select) != 0)
                {
                    w.Bytes(leaf.RowBytes(i));
                }
            }
        }
    }

    private static void WriteTensorHeader(WireWriter w, TensorBuffer leaf, int batch)
    {
        w.U8((byte)leaf.DType);
        w.U8((byte)(leaf.ElementShape.Length + 1));
        w.U32((uint)batch);
        foreach (int d in leaf.ElementShape)
        {
            w.U32((uint)d);
        }
    }

    /// <summary>Reads a value of <paramref name="batch"/> rows into rows [0, batch) of <paramref name="into"/>.</summary>
    public static void ReadValue(ref WireReader r, SpaceBatch into, int batch, string what)
    {
        for (int k = 0; k < into.LeafCount; k++)
        {
            TensorBuffer leaf = into.Leaf(k);
            ReadTensorHeader(ref r, leaf, batch, what, k);
            r.Bytes((long)leaf.ElementBytes * batch, what).CopyTo(leaf.Bytes);
        }
    }

    /// <summary>Reads a compacted value of <paramref name="count"/> rows and scatters them to the rows flagged <paramref name="select"/>.</summary>
    public static void ReadValueRows(ref WireReader r, SpaceBatch into, ReadOnlySpan<StepFlags> flags, StepFlags select, int count, string what)
    {
        for (int k = 0; k < into.LeafCount; k++)
        {
            TensorBuffer leaf = into.Leaf(k);
            ReadTensorHeader(ref r, leaf, count, what, k);
            ReadOnlySpan<byte> data = r.Bytes((long)leaf.ElementBytes * count, what);
            int j = 0;
            for (int i = 0; i < flags.Length; i++)
            {
                if ((flags[i] & select) != 0)
                {
                    data.Slice(j++ * leaf.ElementBytes, leaf.ElementBytes).CopyTo(leaf.RowBytes(i));
                }
            }
        }
    }

    private static void ReadTensorHeader(ref WireReader r, TensorBuffer leaf, int batch, string what, int leafIndex)
    {
        int start = r.Position;
        byte dtype = r.U8(what);
        byte rank = r.U8(what);
        bool ok = dtype == (byte)leaf.DType && rank == leaf.ElementShape.Length + 1 && r.Remaining >= 4 * rank;
        if (ok)
        {
            ok = r.U32(what) == (uint)batch;
            for (int i = 0; ok && i < leaf.ElementShape.Length; i++)
            {
                ok = r.U32(what) == (uint)leaf.ElementShape[i];
            }
        }
        if (!ok)
        {
            throw r.Fail(
                $"{what} leaf {leafIndex} is not {leaf.DType.Name()}{Tensor.FormatShape([batch, .. leaf.ElementShape])} as the space says "
                + $"(dtype code {dtype}, rank {rank})", r.Position - start);
        }
    }

    // ------------------------------------------------------------------------------------------ JSON

    private static void WriteJson(WireWriter w, string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            w.U32(0);
            return;
        }
        int n = Encoding.UTF8.GetByteCount(json);
        w.U32((uint)n);
        Encoding.UTF8.GetBytes(json, w.Reserve(n));
    }

    private static void WriteJsonBytes(WireWriter w, ReadOnlySpan<byte> json)
    {
        w.U32((uint)json.Length);
        w.Bytes(json);
    }

    private static string? ReadJson(ref WireReader r, string what)
    {
        ReadOnlySpan<byte> raw = ReadJsonBytes(ref r, what);
        if (raw.IsEmpty)
        {
            return null;
        }
        try
        {
            return StrictUtf8.GetString(raw);
        }
        catch (DecoderFallbackException)
        {
            throw r.Fail($"{what} is not UTF-8", raw.Length);
        }
    }

    private static ReadOnlySpan<byte> ReadJsonBytes(ref WireReader r, string what)
    {
        uint n = r.U32(what); // not an interpolated name: this runs on every step and must not allocate
        return r.Bytes(n, what);
    }

    private static void ValidateJson(string json, JsonValueKind kind, string what)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
            if (doc.RootElement.ValueKind != kind)
            {
                throw new EnvProtocolException($"{what} is JSON {doc.RootElement.ValueKind}, not {kind}");
            }
        }
        catch (JsonException e)
        {
            throw new EnvProtocolException($"{what} is not valid JSON ({e.Message})");
        }
    }

    /// <summary>Checks, without allocating, that infos are a JSON array of <paramref name="count"/> objects.</summary>
    private static void ValidateInfos(ref WireReader r, scoped ReadOnlySpan<byte> json, int count, string what)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
            {
                throw r.Fail($"{what} is not a JSON array", json.Length);
            }
            int objects = 0;
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    throw r.Fail($"{what} entry {objects} is not a JSON object", json.Length);
                }
                reader.Skip();
                objects++;
            }
            if (reader.TokenType != JsonTokenType.EndArray || reader.Read() || objects != count)
            {
                throw r.Fail($"{what} is not a JSON array of {count} objects", json.Length);
            }
        }
        catch (JsonException e)
        {
            throw r.Fail($"{what} is not valid JSON ({e.Message})", json.Length);
        }
    }

    // ------------------------------------------------------------------------------------------ RESET

    public static void WriteReset(WireWriter w, long? seed, ReadOnlySpan<bool> mask, string? optionsJson)
    {
        w.Begin();
        w.U8((byte)((seed.HasValue ? ResetHasSeed : 0) | (mask.IsEmpty ? 0 : ResetHasMask)));
        w.I64(seed ?? 0);
        foreach (bool m in mask)
        {
            w.U8(m ? (byte)1 : (byte)0);
        }
        WriteJson(w, optionsJson);
        w.Finish(MessageType.Reset);
    }

    /// <summary>Decodes RESET; fills <paramref name="mask"/> (all true when none was sent) and returns the seed and options.</summary>
    public static (long? Seed, string? OptionsJson) ReadReset(ReadOnlySpan<byte> payload, Span<bool> mask)
    {
        var r = new WireReader(payload);
        byte flags = r.U8("RESET flags");
        if ((flags & ~(ResetHasSeed | ResetHasMask)) != 0)
        {
            throw r.Fail($"RESET flags 0x{flags:x2} has reserved bits set", 1);
        }
        long seed = r.I64("RESET seed");
        if ((flags & ResetHasMask) != 0)
        {
            ReadOnlySpan<byte> raw = r.Bytes(mask.Length, "RESET mask");
            for (int i = 0; i < mask.Length; i++)
            {
                mask[i] = raw[i] != 0;
            }
        }
        else
        {
            mask.Fill(true);
        }
        string? options = ReadJson(ref r, "RESET options");
        if (options is not null)
        {
            ValidateJson(options, JsonValueKind.Object, "RESET options");
        }
        r.End("RESET");
        return ((flags & ResetHasSeed) != 0 ? seed : null, options);
    }

    public static void WriteResetResult(WireWriter w, VectorStep result)
    {
        w.Begin();
        WriteValue(w, result.Observations, result.NumEnvs);
        WriteJsonBytes(w, result.InfoJson);
        w.Finish(MessageType.ResetResult);
    }

    public static void ReadResetResult(ReadOnlySpan<byte> payload, VectorStep into)
    {
        var r = new WireReader(payload);
        into.Clear();
        ReadValue(ref r, into.Observations, into.NumEnvs, "RESET_RESULT observation");
        ReadInfos(ref r, into, "RESET_RESULT infos");
        r.End("RESET_RESULT");
    }

    private static void ReadInfos(ref WireReader r, VectorStep into, string what)
    {
        ReadOnlySpan<byte> infos = ReadJsonBytes(ref r, what);
        if (!infos.IsEmpty)
        {
            ValidateInfos(ref r, infos, into.NumEnvs, what);
        }
        into.SetInfoJson(infos);
    }

    // ------------------------------------------------------------------------------------------ STEP

    public static void WriteStep(WireWriter w, SpaceBatch actions)
    {
        w.Begin();
        WriteValue(w, actions, actions.Batch);
        w.Finish(MessageType.Step);
    }

    /// <summary>Decodes STEP into <paramref name="actions"/> and checks Discrete/MultiDiscrete values lie in their spaces.</summary>
    public static void ReadStep(ReadOnlySpan<byte> payload, SpaceBatch actions)
    {
        var r = new WireReader(payload);
        ReadValue(ref r, actions, actions.Batch, "STEP action");
        r.End("STEP");
        IReadOnlyList<LeafSpace> leaves = actions.Space.Leaves;
        for (int k = 0; k < leaves.Count; k++)
        {
            TensorBuffer buffer = actions.Leaf(k);
            for (int row = 0; row < buffer.Batch; row++)
            {
                switch (leaves[k])
                {
                    case Discrete d:
                        long a = buffer.GetInt64(row, 0);
                        if (!d.Contains(a))
                        {
                            throw new EnvProtocolException($"STEP action leaf {k} of env {row} is {a}, outside {d}");
                        }
                        break;
                    case MultiDiscrete m:
                        for (int i = 0; i < m.ElementCount; i++)
                        {
                            long v = buffer.GetInt64(row, i);
                            if (v < m.Start[i] || v - m.Start[i] >= m.Nvec[i])
                            {
                                throw new EnvProtocolException($"STEP action leaf {k} of env {row} element {i} is {v}, outside {m.Start[i]}..{m.Start[i] + m.Nvec[i] - 1}");
                            }
                        }
                        break;
                }
            }
        }
    }

    public static void WriteStepResult(WireWriter w, VectorStep result)
    {
        w.Begin();
        int n = result.NumEnvs;
        WriteValue(w, result.Observations, n);
        foreach (double reward in result.Rewards)
        {
            w.F64(reward);
        }
        int finals = 0;
        foreach (StepFlags f in result.Flags)
        {
            w.U8((byte)f);
            finals += (f & StepFlags.FinalObservation) != 0 ? 1 : 0;
        }
        if (finals > 0)
        {
            WriteValueRows(w, result.FinalObservations, result.Flags, StepFlags.FinalObservation, finals);
        }
        WriteJsonBytes(w, result.InfoJson);
        w.Finish(MessageType.StepResult);
    }

    public static void ReadStepResult(ReadOnlySpan<byte> payload, VectorStep into)
    {
        var r = new WireReader(payload);
        int n = into.NumEnvs;
        ReadValue(ref r, into.Observations, n, "STEP_RESULT observation");
        Span<double> rewards = into.Rewards;
        for (int i = 0; i < n; i++)
        {
            rewards[i] = r.F64("STEP_RESULT rewards");
        }
        ReadOnlySpan<byte> rawFlags = r.Bytes(n, "STEP_RESULT flags");
        Span<StepFlags> flags = into.Flags;
        int finals = 0;
        for (int i = 0; i < n; i++)
        {
            if ((rawFlags[i] & 0xF0) != 0)
            {
                throw r.Fail($"STEP_RESULT flags of env {i} (0x{rawFlags[i]:x2}) has reserved bits set", n - i);
            }
            flags[i] = (StepFlags)rawFlags[i];
            finals += (rawFlags[i] & (byte)StepFlags.FinalObservation) != 0 ? 1 : 0;
        }
        if (finals > 0)
        {
            ReadValueRows(ref r, into.FinalObservations, flags, StepFlags.FinalObservation, finals, "STEP_RESULT final_observation");
        }
        ReadInfos(ref r, into, "STEP_RESULT infos");
        r.End("STEP_RESULT");
    }

    // ------------------------------------------------------------------------------------------ ERROR / CLOSE

    public static void WriteError(WireWriter w, EnvErrorCode code, string text)
    {
        string line = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        byte[] raw = Encoding.UTF8.GetBytes(line.Length > 2000 ? line[..2000] : line);
        w.Begin();
        w.U16((ushort)code);
        w.U32((uint)raw.Length);
        w.Bytes(raw);
        w.Finish(MessageType.Error);
    }

    public static (ushort Code, string Text) ReadError(ReadOnlySpan<byte> payload)
    {
        var r = new WireReader(payload);
        ushort code = r.U16("ERROR code");
        uint n = r.U32("ERROR text length");
        string text = Encoding.UTF8.GetString(r.Bytes(n, "ERROR text"));
        r.End("ERROR");
        return (code, text);
    }

    public static void WriteClose(WireWriter w)
    {
        w.Begin();
        w.Finish(MessageType.Close);
    }
}
