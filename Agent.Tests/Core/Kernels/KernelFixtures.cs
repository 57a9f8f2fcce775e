using System.Buffers.Binary;
using AgentRnn.Core;
using AgentRnn.Core.SafeTensors;

namespace AgentRnn.Tests.Core.Kernels;

/// <summary>Reads the PyTorch golden fixtures written by tools/reference/fixtures_kernels.py.</summary>
internal sealed class KernelFixtures : IDisposable
{
    private readonly SafeTensorsFile _file;

    private KernelFixtures(string path)
    {
        Path = path;
        _file = SafeTensorsFile.Open(path);
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, string> Metadata => _file.Metadata;

    public static KernelFixtures Open(string name) =>
        new(System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "kernels", name + ".safetensors"));

    public Tensor Tensor(string name) => _file.ReadTensor(name);

    public int[] Ints(string name) => _file.ReadTensor(name).Data.Select(v => (int)v).ToArray();

    /// <summary>A U8 tensor's raw bytes (the reader only converts float dtypes).</summary>
    public byte[] Bytes(string name)
    {
        TensorInfo info = _file.Info(name);
        Assert.Equal("U8", info.DType);
        byte[] all = File.ReadAllBytes(Path);
        long dataStart = 8 + (long)BinaryPrimitives.ReadUInt64LittleEndian(all);
        return all.AsSpan((int)(dataStart + info.Begin), (int)(info.End - info.Begin)).ToArray();
    }

    public string[] Cases => Metadata["cases"].Split(',');

    public void Dispose() => _file.Dispose();
}
