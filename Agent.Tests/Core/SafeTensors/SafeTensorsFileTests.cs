using AgentRnn.Core;
using AgentRnn.Core.SafeTensors;

namespace AgentRnn.Tests.Core.SafeTensors;

public sealed class SafeTensorsFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string WriteBytes(byte[] bytes, string name = "t.safetensors")
    {
        string path = _dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Write_F32WithMetadata_RoundTripsValuesShapesAndMetadata()
    {
        string path = _dir.File("m.safetensors");
        var a = new Tensor([1f, -2.5f, 3.25f, float.MaxValue, float.Epsilon, -0f], 2, 3);
        var b = new Tensor([42f], 1);
        var empty = new Tensor(0, 4);
        var metadata = new Dictionary<string, string>
        {
            ["agent.config"] = "{\"a\": [1, 2], \"quote\": \"\\\"<+>é\"}",
            ["format"] = "pt",
        };
        SafeTensorsWriter.Write(path, [new("a", a), new("b", b), new("empty", empty)], metadata);

        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        Assert.Equal(metadata, file.Metadata);
        Assert.Equal(["a", "b", "empty"], file.Tensors.Select(t => t.Name));
        Assert.Equal(a.Data, file.ReadTensor("a").Data);
        Assert.Equal([2, 3], file.Info("a").Shape);
        Assert.Equal(b.Data, file.ReadTensor("b").Data);
        Assert.Equal([0, 4], file.ReadTensor("empty").Shape.ToArray());
        Assert.Equal(3, file.Count);
    }

    [Fact]
    public void Write_NoMetadata_HeaderHasNoMetadataAndReadsEmptyMap()
    {
        string path = _dir.File("n.safetensors");
        SafeTensorsWriter.Write(path, [new("x", new Tensor([1f], 1))]);
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        Assert.Empty(file.Metadata);
        Assert.DoesNotContain("__metadata__", File.ReadAllText(path));
    }

    [Fact]
    public void Write_HeaderIsPaddedToEightBytes_DataStartsAligned()
    {
        string path = _dir.File("p.safetensors");
        SafeTensorsWriter.Write(path, [new("odd_name", new Tensor([1f, 2f], 2))]);
        byte[] bytes = File.ReadAllBytes(path);
        ulong headerLength = BitConverter.ToUInt64(bytes, 0);
        Assert.Equal(0UL, headerLength % 8);
        Assert.Equal(8 + (long)headerLength + 8, bytes.Length);
    }

    [Fact]
    public void Write_OverExistingFile_ReplacesItAndLeavesNoTemporaryFile()
    {
        string path = _dir.File("r.safetensors");
        File.WriteAllText(path, "old");
        SafeTensorsWriter.Write(path, [new("x", new Tensor([5f], 1))]);
        using (SafeTensorsFile file = SafeTensorsFile.Open(path))
        {
            Assert.Equal([5f], file.ReadTensor("x").Data);
        }
        Assert.Equal(["r.safetensors"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Write_DuplicateName_ThrowsAndLeavesExistingFileUntouched()
    {
        string path = _dir.File("d.safetensors");
        File.WriteAllText(path, "old");
        Assert.Throws<ArgumentException>(() => SafeTensorsWriter.Write(path, [new("x", new Tensor(1)), new("x", new Tensor(1))]));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(_dir.Path));
    }

    [Fact]
    public void Write_MissingFolder_ThrowsIOExceptionAndCreatesNothing()
    {
        string path = Path.Combine(_dir.Path, "no-such-folder", "x.safetensors");
        Assert.ThrowsAny<IOException>(() => SafeTensorsWriter.Write(path, [new("x", new Tensor(1))]));
        Assert.Empty(Directory.GetFileSystemEntries(_dir.Path));
    }

    [Theory]
    [InlineData("F16")]
    [InlineData("BF16")]
    public void Write_NarrowDType_ReadsBackRoundedValues(string dtype)
    {
        string path = _dir.File(dtype + ".safetensors");
        float[] values = [0f, 1f, -2f, 0.1f, 1e-3f, 65504f, 3.14159265f, -1e-8f, 1234.5678f];
        SafeTensorsWriter.Write(path, [new("v", new Tensor(values, values.Length))], null, dtype);
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        Assert.Equal(dtype, file.Info("v").DType);
        float[] read = file.ReadTensor("v").Data;
        float[] expected = dtype == "F16"
            ? values.Select(v => (float)(Half)v).ToArray()
            : values.Select(v => BitConverter.Int32BitsToSingle(SafeTensorsWriter.ToBFloat16(v) << 16)).ToArray();
        Assert.Equal(expected, read);
        // Both rounding schemes keep 1e-2 relative accuracy (F16: 11-bit, BF16: 8-bit mantissa).
        for (int i = 0; i < values.Length; i++)
        {
            Assert.True(Math.Abs(read[i] - values[i]) <= 1e-2 * Math.Abs(values[i]) + 1e-7, $"{dtype} {values[i]} read as {read[i]}");
        }
    }

    [Fact]
    public void ReadTensor_HandWrittenF16AndBF16Words_DecodeExactly()
    {
        // F16: 0x3C00 = 1, 0xC000 = -2, 0x3555 ≈ 0.33325, 0x7BFF = 65504. BF16: 0x3F80 = 1, 0xC000 = -2, 0x3EAB ≈ 0.333984.
        string header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[4],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[8,16]}}";
        byte[] data = [.. SafeTensorsBytes.Words(0x3C00, 0xC000, 0x3555, 0x7BFF), .. SafeTensorsBytes.Words(0x3F80, 0xC000, 0x3EAB, 0x0000)];
        using SafeTensorsFile file = SafeTensorsFile.Open(WriteBytes(SafeTensorsBytes.Build(header, data)));
        Assert.Equal([1f, -2f, 0.33325195f, 65504f], file.ReadTensor("h").Data);
        Assert.Equal([1f, -2f, 0.33398438f, 0f], file.ReadTensor("b").Data);
    }

    [Fact]
    public void ToBFloat16_HalfwayCases_RoundToNearestEven()
    {
        Assert.Equal((ushort)0x3F80, SafeTensorsWriter.ToBFloat16(BitConverter.UInt32BitsToSingle(0x3F808000))); // tie, even below
        Assert.Equal((ushort)0x3F82, SafeTensorsWriter.ToBFloat16(BitConverter.UInt32BitsToSingle(0x3F818000))); // tie, odd below
        Assert.Equal((ushort)0x3F81, SafeTensorsWriter.ToBFloat16(BitConverter.UInt32BitsToSingle(0x3F808001)));
        Assert.True(float.IsNaN(BitConverter.Int32BitsToSingle(SafeTensorsWriter.ToBFloat16(float.NaN) << 16)));
    }

    [Fact]
    public void ReadTensor_FileTruncatedAfterOpen_ThrowsNamingTheByte()
    {
        string path = _dir.File("shrinks.safetensors");
        float[] values = Enumerable.Range(0, 40_000).Select(i => i * 0.5f).ToArray();
        SafeTensorsWriter.Write(path, [new("w", new Tensor(values, 200, 200))], null, "F32");
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
        {
            stream.SetLength(file.FileLength / 2);
        }
        var e = Assert.Throws<SafeTensorsException>(() => file.ReadTensor("w"));
        Assert.Contains("file ended at byte", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData(float.NaN, "NaN")]
    [InlineData(float.PositiveInfinity, "+Infinity")]
    [InlineData(float.NegativeInfinity, "-Infinity")]
    public void ReadTensor_NonFiniteWeight_ThrowsNamingTensorAndIndex(float bad, string shown)
    {
        string path = _dir.File("bad.safetensors");
        float[] values = new float[6 * 5];
        values[2 * 5 + 3] = bad;
        SafeTensorsWriter.Write(path, [new("ok", new Tensor([1f, 2f], 2)), new("layer.weight", new Tensor(values, 6, 5))], null, "F32");
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        Assert.Equal([1f, 2f], file.ReadTensor("ok").Data);
        var e = Assert.Throws<SafeTensorsException>(() => file.ReadTensor("layer.weight"));
        Assert.Contains("'layer.weight'", e.Message);
        Assert.Contains("element 13 (index [2, 3])", e.Message);
        Assert.Contains(shown, e.Message);
    }

    [Fact]
    public void Open_Directory_SaysItIsADirectory()
    {
        var e = Assert.Throws<SafeTensorsException>(() => SafeTensorsFile.Open(_dir.Path));
        Assert.Contains("is a directory", e.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0, 0, 0, 0, 0 }, "zip archive")]
    [InlineData(new byte[] { 0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8 }, "pickle")]
    public void Open_PyTorchCheckpoint_SaysHowToConvert(byte[] start, string kind)
    {
        string path = _dir.File("agent.pt");
        File.WriteAllBytes(path, [.. start, .. new byte[64]]);
        var e = Assert.Throws<SafeTensorsException>(() => SafeTensorsFile.Open(path));
        Assert.Contains(kind, e.Message);
        Assert.Contains($"`python3 tools/reference/convert_state_dict.py {path} {Path.ChangeExtension(path, ".safetensors")}`", e.Message);
    }

    [Theory]
    [InlineData("runs/agent.pt", "python3 tools/reference/convert_state_dict.py runs/agent.pt runs/agent.safetensors")]
    [InlineData("my agent.pth", "python3 tools/reference/convert_state_dict.py 'my agent.pth' 'my agent.safetensors'")]
    [InlineData("it's.zip", "python3 tools/reference/convert_state_dict.py 'it'\\''s.zip' 'it'\\''s.safetensors'")]
    public void ConvertCommand_IsExactAndShellQuoted(string path, string expected) =>
        Assert.Equal(expected, SafeTensorsFile.ConvertCommand(path));

    [Fact]
    public void ReadTensor_IntoSpanOfWrongLength_Throws()
    {
        string path = _dir.File("s.safetensors");
        SafeTensorsWriter.Write(path, [new("x", new Tensor(3))]);
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        Assert.Throws<ArgumentException>(() => file.ReadTensor("x", new float[2]));
    }

    [Fact]
    public void ReadTensor_AfterDispose_ThrowsObjectDisposed()
    {
        string path = _dir.File("s.safetensors");
        SafeTensorsWriter.Write(path, [new("x", new Tensor(3))]);
        SafeTensorsFile file = SafeTensorsFile.Open(path);
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.ReadTensor("x"));
    }

    private const string Ok = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    public static TheoryData<string, byte[], string> Malformed => new()
    {
        { "shorter than the length field", [1, 2, 3], "shorter than the 8-byte header length" },
        { "header longer than the file", SafeTensorsBytes.Build(Ok, SafeTensorsBytes.Floats(1, 2), declaredLength: 5000), "is longer than the file" },
        { "header over the cap", SafeTensorsBytes.Build(Ok, SafeTensorsBytes.Floats(1, 2), declaredLength: 200_000_000), "exceeds the 100000000-byte cap" },
        { "header length 2^64-1", SafeTensorsBytes.Build(Ok, [], declaredLength: ulong.MaxValue), "exceeds" },
        { "header not JSON", SafeTensorsBytes.Build("{\"x\": nope}", []), "header is not valid JSON" },
        { "header truncated JSON", SafeTensorsBytes.Build("{\"x\":{\"dtype\":\"F32\"", []), "header is not valid JSON" },
        { "header not an object", SafeTensorsBytes.Build("[1,2]   ", []), "does not start with '{'" },
        { "header is binary", SafeTensorsBytes.Build("\u0001\u0002", []), "does not start with '{'" },
        { "header not UTF-8", SafeTensorsBytes.Patch(SafeTensorsBytes.Build("{\"\u00e9\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}", SafeTensorsBytes.Floats(1)), 10, 0xB6), "not valid UTF-8" },
        { "header length zero", SafeTensorsBytes.Build("", SafeTensorsBytes.Floats(1)), "too short" },
        { "truncated data", SafeTensorsBytes.Build(Ok, SafeTensorsBytes.Floats(1)), "fall outside the 4-byte data section" },
        { "offsets past the end", SafeTensorsBytes.Build("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", SafeTensorsBytes.Floats(1, 2)), "fall outside" },
        { "end before begin", SafeTensorsBytes.Build("{\"x\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", SafeTensorsBytes.Floats(1, 2)), "fall outside" },
        { "negative offset", SafeTensorsBytes.Build("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", SafeTensorsBytes.Floats(1, 2)), "non-negative" },
        { "three offsets", SafeTensorsBytes.Build("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,9]}}", SafeTensorsBytes.Floats(1, 2)), "[begin, end]" },
        { "overlapping tensors", SafeTensorsBytes.Build("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"y\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", SafeTensorsBytes.Floats(1, 2, 3)), "overlap" },
        { "unknown dtype", SafeTensorsBytes.Build("{\"x\":{\"dtype\":\"F31\",\"shape\":[2],\"data_offsets\":[0,8]}}", SafeTensorsBytes.Floats(1, 2)), "unknown dtype 'F31'" },
        { "shape disagrees with bytes", SafeTensorsBytes.Build("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", SafeTensorsBytes.Floats(1, 2)), "needs 12 bytes but data_offsets [0, 8] span 8" },
        { "negative dimension", SafeTensorsBytes.Build("{\"x\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", SafeTensorsBytes.Floats(1, 2)), "non-negative 32-bit" },
        { "huge shape", SafeTensorsBytes.Build("{\"x\":{\"dtype\":\"F32\",\"shape\":[2147483647,2147483647],\"data_offsets\":[0,8]}}", SafeTensorsBytes.Floats(1, 2)), "too many elements" },
        { "rank over 8", SafeTensorsBytes.Build("{\"x\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", SafeTensorsBytes.Floats(1)), "rank 9" },
        { "missing dtype", SafeTensorsBytes.Build("{\"x\":{\"shape\":[2],\"data_offsets\":[0,8]}}", SafeTensorsBytes.Floats(1, 2)), "needs dtype" },
        { "entry not an object", SafeTensorsBytes.Build("{\"x\":5}", []), "needs dtype" },
        { "duplicate tensor", SafeTensorsBytes.Build("{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", SafeTensorsBytes.Floats(1, 2)), "appears twice" },
        { "metadata not an object", SafeTensorsBytes.Build("{\"__metadata__\":[1]}", []), "__metadata__ is not an object" },
        { "metadata value not a string", SafeTensorsBytes.Build("{\"__metadata__\":{\"a\":1}}", []), "entry 'a' is not a string" },
        { "metadata twice", SafeTensorsBytes.Build("{\"__metadata__\":{},\"__metadata__\":{}}", []), "__metadata__ appears twice" },
        { "nesting too deep", SafeTensorsBytes.Build("{\"x\":[[[[[[[[[[[[1]]]]]]]]]]]}", []), "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Open_MalformedFile_ThrowsOneLineNamingTheProblem(string what, byte[] bytes, string expected)
    {
        string path = WriteBytes(bytes);
        var e = Assert.Throws<SafeTensorsException>(() => SafeTensorsFile.Open(path));
        Assert.IsAssignableFrom<AgentException>(e);
        Assert.Contains(expected, e.Message);
        Assert.StartsWith(path, e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.False(string.IsNullOrEmpty(what));
    }

    [Fact]
    public void Open_MissingFile_ThrowsCannotOpen()
    {
        var e = Assert.Throws<SafeTensorsException>(() => SafeTensorsFile.Open(_dir.File("absent.safetensors")));
        Assert.Contains("cannot open", e.Message);
    }

    [Fact]
    public void Info_MissingTensor_ThrowsNamingIt()
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(WriteBytes(SafeTensorsBytes.Build(Ok, SafeTensorsBytes.Floats(1, 2))));
        var e = Assert.Throws<SafeTensorsException>(() => file.ReadTensor("lstm.weight_ih_l0"));
        Assert.Contains("tensor 'lstm.weight_ih_l0' is missing", e.Message);
    }

    [Fact]
    public void ReadTensor_IntegerDType_ThrowsNamingTheDType()
    {
        string header = "{\"steps\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}";
        using SafeTensorsFile file = SafeTensorsFile.Open(WriteBytes(SafeTensorsBytes.Build(header, new byte[8])));
        var e = Assert.Throws<SafeTensorsException>(() => file.ReadTensor("steps"));
        Assert.Contains("dtype I64", e.Message);
    }

    [Fact]
    public void Open_TrailingBytesAfterLastTensor_AreIgnored()
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(WriteBytes(SafeTensorsBytes.Build(Ok, SafeTensorsBytes.Floats(1, 2, 99))));
        Assert.Equal([1f, 2f], file.ReadTensor("x").Data);
    }
}
