using AgentRnn.Core;
using AgentRnn.Core.Kernels;
using AgentRnn.Memory;
using AgentRnn.Tests.Memory.Reference;
using Xunit.Abstractions;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Tests.Memory;

/// <summary>The fused LSTM and GRU steps at every <see cref="IsaLevel"/>, forced on the test's thread, against the double-precision reference.</summary>
public class GateMathIsaTests(ITestOutputHelper output)
{
    // As RecurrentCoreTests: float GEMMs and gate math over a few steps against double accumulation.
    private const float Tolerance = 1e-5f;

    public static TheoryData<IsaLevel, CellKind, int, int> Cases()
    {
        var data = new TheoryData<IsaLevel, CellKind, int, int>();
        foreach (IsaLevel level in new[] { IsaLevel.Scalar, IsaLevel.Vector128, IsaLevel.Vector256, IsaLevel.Vector512 })
        {
            // 20 hidden units: two whole gate blocks and a partial one (the scalar tail); 64: whole blocks only.
            data.Add(level, CellKind.Lstm, 20, 3);
            data.Add(level, CellKind.Lstm, 64, 1);
            data.Add(level, CellKind.Gru, 20, 3);
            data.Add(level, CellKind.Gru, 64, 2);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Step_EachLevel_MatchesPlainReference(IsaLevel level, CellKind kind, int hidden, int batch)
    {
        const int Input = 24, Layers = 2;
        Dictionary<string, Tensor> parameters = MemoryFixture.RandomParameters(kind, Input, hidden, Layers, seed: 17);
        RecurrentCore core = RecurrentCore.Create(kind, Input, hidden, Layers, n => parameters[n]);
        var random = new Random(9);
        float[] state = MemoryFixture.RandomFloats(random, batch * core.StateSize, 0.8f);
        float[] referenceState = (float[])state.Clone();
        var y = new float[batch * hidden];
        var referenceY = new float[batch * hidden];
        float worst = 0f;
        using KernelIsa.Scope scope = KernelIsa.Force(level);
        for (int t = 0; t < 4; t++)
        {
            float[] x = MemoryFixture.RandomFloats(random, batch * Input, 2f);
            core.Step(x, state, y, batch);
            RecurrentReference.Step(kind, Input, hidden, Layers, n => parameters[n], x, referenceState, referenceY, batch);
            worst = MathF.Max(worst, MathF.Max(MemoryFixture.MaxAbsDiff(y, referenceY), MemoryFixture.MaxAbsDiff(state, referenceState)));
        }
        output.WriteLine($"{level} {kind} {Input}→{hidden}×{Layers} batch {batch}: max abs error over 4 steps {worst:E2} (tolerance {Tolerance:E0})");
        Assert.InRange(worst, 0f, Tolerance);
    }
}
