using AgentRnn.Core;
using AgentRnn.Host.Models;
using AgentRnn.Tests.Core.SafeTensors;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Models;

public sealed class ModelLoadFuzzTests(ITestOutputHelper output)
{
    private const int Cases = 3_000;

    /// <summary>
    /// Byte flips, header digit edits and truncations of a valid ours-layout model (whose agent.config JSON sits in
    /// the header): every case loads or fails with one <see cref="AgentException"/> line; nothing else escapes.
    /// </summary>
    [Fact]
    public void Load_MutatedModelFiles_EitherLoadOrFailWithOneLine()
    {
        using var dir = new TempDirectory();
        byte[] valid = File.ReadAllBytes(ModelFixture.Path("ours_mlp_lstm_multidiscrete.safetensors"));
        int headerLength = (int)BitConverter.ToUInt64(valid, 0);
        int[] digits = Enumerable.Range(8, headerLength).Where(i => valid[i] is >= (byte)'0' and <= (byte)'9').ToArray();
        string path = dir.File("mutant.safetensors");
        var rng = new Random(7);
        int loaded = 0, rejected = 0;
        for (int n = 0; n < Cases; n++)
        {
            byte[] b = (byte[])valid.Clone();
            switch (n % 3)
            {
                case 0:
                    b[digits[rng.Next(digits.Length)]] = (byte)('0' + rng.Next(10));
                    break;
                case 1:
                    b[8 + rng.Next(headerLength)] ^= (byte)(1 << rng.Next(7));
                    break;
                default:
                    b = b.AsSpan(0, rng.Next(b.Length)).ToArray();
                    break;
            }
            File.WriteAllBytes(path, b);
            try
            {
                PolicyModel model = PolicyModel.Load(path);
                Assert.True(model.ParameterCount > 0);
                loaded++;
            }
            catch (AgentException e)
            {
                Assert.DoesNotContain('\n', e.Message);
                rejected++;
            }
        }
        output.WriteLine($"{Cases} mutated models: {loaded} loaded, {rejected} rejected with one line");
        Assert.Equal(Cases, loaded + rejected);
        Assert.True(rejected > Cases / 3);
    }
}
