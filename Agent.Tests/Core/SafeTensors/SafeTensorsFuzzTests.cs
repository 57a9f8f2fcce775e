using System.Buffers.Binary;
using AgentRnn.Core;
using AgentRnn.Core.SafeTensors;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Core.SafeTensors;

public sealed class SafeTensorsFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Cases = 10_000;
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>
    /// Mutates a valid file (byte flips, header-length edits, truncation, appended bytes, header text edits) with a
    /// seeded generator. Every case must either read all tensors or fail with a <see cref="SafeTensorsException"/>
    /// carrying one line — never another exception, an out-of-range read or a hang.
    /// </summary>
    [Fact]
    public void Open_MutatedValidFiles_EitherReadOrFailWithOneLine()
    {
        string source = _dir.File("valid.safetensors");
        SafeTensorsWriter.Write(source,
        [
            new("conv.weight", new Tensor(Enumerable.Range(0, 24).Select(i => i * 0.5f).ToArray(), 2, 3, 2, 2)),
            new("conv.bias", new Tensor([1f, 2f], 2)),
            new("empty", new Tensor(0)),
        ], new Dictionary<string, string> { ["agent.config"] = "{\"layout\":\"ours\"}" });
        SafeTensorsWriter.Write(_dir.File("half.safetensors"), [new("h", new Tensor([1f, 2f, 3f], 3))], null, "F16");
        byte[][] seeds = [File.ReadAllBytes(source), File.ReadAllBytes(_dir.File("half.safetensors"))];
        string path = _dir.File("mutant.safetensors");
        var rng = new Random(20240611);
        int opened = 0, rejected = 0;
        var reasons = new Dictionary<string, int>();
        for (int n = 0; n < Cases; n++)
        {
            byte[] mutant = Mutate(seeds[n % seeds.Length], rng);
            File.WriteAllBytes(path, mutant);
            try
            {
                using SafeTensorsFile file = SafeTensorsFile.Open(path);
                foreach (TensorInfo t in file.Tensors)
                {
                    if (t.DType is "F32" or "F16" or "BF16")
                    {
                        Assert.Equal(t.ElementCount, file.ReadTensor(t.Name).Length);
                    }
                }
                opened++;
            }
            catch (SafeTensorsException e)
            {
                Assert.DoesNotContain('\n', e.Message);
                Assert.StartsWith(path, e.Message);
                string reason = e.Message.Substring(path.Length).Split(':', 3)[1].Trim();
                reason = reason.Length > 24 ? reason[..24] : reason;
                reasons[reason] = reasons.GetValueOrDefault(reason) + 1;
                rejected++;
            }
        }
        output.WriteLine($"{Cases} mutants: {opened} opened and read, {rejected} rejected with one line");
        foreach ((string reason, int count) in reasons.OrderByDescending(r => r.Value).Take(12))
        {
            output.WriteLine($"  {count,5}  {reason}");
        }
        Assert.Equal(Cases, opened + rejected);
        Assert.True(opened > 0 && rejected > Cases / 4, "the mutations should both keep some files valid and break many");
    }

    private static byte[] Mutate(byte[] valid, Random rng)
    {
        byte[] b = (byte[])valid.Clone();
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(b);
        switch (rng.Next(8))
        {
            case 0: // flip random bits anywhere
                for (int i = rng.Next(1, 4); i > 0; i--)
                {
                    b[rng.Next(b.Length)] ^= (byte)(1 << rng.Next(8));
                }
                return b;
            case 1: // flip bits inside the JSON header
                for (int i = rng.Next(1, 3); i > 0; i--)
                {
                    b[8 + rng.Next(headerLength)] ^= (byte)(1 << rng.Next(7));
                }
                return b;
            case 2: // replace a header digit with another digit: shapes and offsets change but stay well-formed
            {
                int[] digits = Enumerable.Range(8, headerLength).Where(i => b[i] is >= (byte)'0' and <= (byte)'9').ToArray();
                b[digits[rng.Next(digits.Length)]] = (byte)('0' + rng.Next(10));
                return b;
            }
            case 3: // truncate
                return b.AsSpan(0, rng.Next(b.Length)).ToArray();
            case 4: // append garbage
                return [.. b, .. Enumerable.Range(0, rng.Next(1, 64)).Select(_ => (byte)rng.Next(256))];
            case 5: // edit the header length
            {
                ulong[] lengths = [0, 1, (ulong)headerLength - 1, (ulong)headerLength + 1, (ulong)b.Length, ulong.MaxValue, (ulong)rng.NextInt64(), 1UL << 40];
                BinaryPrimitives.WriteUInt64LittleEndian(b, lengths[rng.Next(lengths.Length)]);
                return b;
            }
            case 6: // swap a dtype for another known or unknown one
            {
                string text = System.Text.Encoding.UTF8.GetString(b, 8, headerLength);
                string[] dtypes = ["F16", "BF16", "I64", "U8", "F64", "Q4", "F32"];
                string swapped = text.Replace("\"F32\"", "\"" + dtypes[rng.Next(dtypes.Length)] + "\"").Replace("\"F16\"", "\"" + dtypes[rng.Next(dtypes.Length)] + "\"");
                byte[] json = System.Text.Encoding.UTF8.GetBytes(swapped);
                byte[] result = new byte[8 + json.Length + b.Length - 8 - headerLength];
                BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)json.Length);
                json.CopyTo(result, 8);
                b.AsSpan(8 + headerLength).CopyTo(result.AsSpan(8 + json.Length));
                return result;
            }
            default: // overwrite a run of the header with random printable bytes
            {
                int start = 8 + rng.Next(headerLength);
                int len = Math.Min(rng.Next(1, 8), 8 + headerLength - start);
                for (int i = 0; i < len; i++)
                {
                    b[start + i] = (byte)rng.Next(32, 127);
                }
                return b;
            }
        }
    }
}
