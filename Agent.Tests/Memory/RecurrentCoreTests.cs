using AgentRnn.Core;
using AgentRnn.Memory;
using AgentRnn.Tests.Memory.Reference;
using Xunit.Abstractions;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Tests.Memory;

public class RecurrentCoreTests(ITestOutputHelper output)
{
    private const float ReferenceTolerance = 1e-5f;

    public static TheoryData<CellKind, int, int, int, int> Geometries => new()
    {
        // kind, input, hidden, layers, batch: hidden 8/16 are whole gate blocks, 5/13 end in a partial block.
        { CellKind.Lstm, 7, 5, 1, 1 },
        { CellKind.Lstm, 12, 16, 2, 4 },
        { CellKind.Lstm, 3, 13, 3, 3 },
        { CellKind.Gru, 7, 5, 1, 2 },
        { CellKind.Gru, 12, 16, 2, 4 },
        { CellKind.Gru, 9, 13, 2, 1 },
        { CellKind.Rnn, 7, 5, 1, 2 },
        { CellKind.Rnn, 12, 16, 2, 4 },
        { CellKind.Rnn, 4, 8, 3, 3 },
    };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void Step_Fused_MatchesPlainReference(CellKind kind, int input, int hidden, int layers, int batch)
    {
        Dictionary<string, Tensor> parameters = MemoryFixture.RandomParameters(kind, input, hidden, layers, seed: 11);
        RecurrentCore core = RecurrentCore.Create(kind, input, hidden, layers, n => parameters[n]);
        var random = new Random(5);
        float[] fusedState = MemoryFixture.RandomFloats(random, batch * core.StateSize, 0.8f);
        float[] referenceState = (float[])fusedState.Clone();
        var fusedOut = new float[batch * hidden];
        var referenceOut = new float[batch * hidden];
        float worst = 0f;
        for (int t = 0; t < 4; t++)
        {
            float[] x = MemoryFixture.RandomFloats(random, batch * input, 2f);
            core.Step(x, fusedState, fusedOut, batch);
            RecurrentReference.Step(kind, input, hidden, layers, n => parameters[n], x, referenceState, referenceOut, batch);
            worst = MathF.Max(worst, MathF.Max(MemoryFixture.MaxAbsDiff(fusedOut, referenceOut), MemoryFixture.MaxAbsDiff(fusedState, referenceState)));
        }
        output.WriteLine($"{kind} {input}→{hidden}×{layers} batch {batch}: fused vs reference over 4 steps, max abs error {worst:E2} (tolerance {ReferenceTolerance:E0})");
        Assert.InRange(worst, 0f, ReferenceTolerance);
    }

    [Fact]
    public void Step_SaturatedGates_StayFiniteAndMatchReference()
    {
        Dictionary<string, Tensor> parameters = MemoryFixture.RandomParameters(CellKind.Lstm, 6, 9, 1, seed: 3);
        foreach (Tensor t in parameters.Values)
        {
            TensorScale(t, 400f);
        }
        RecurrentCore core = RecurrentCore.Create(CellKind.Lstm, 6, 9, 1, n => parameters[n]);
        var random = new Random(8);
        float[] x = MemoryFixture.RandomFloats(random, 2 * 6, 5f);
        var state = new float[2 * core.StateSize];
        var referenceState = new float[state.Length];
        var y = new float[2 * 9];
        var referenceY = new float[y.Length];

        core.Step(x, state, y, 2);
        RecurrentReference.Step(CellKind.Lstm, 6, 9, 1, n => parameters[n], x, referenceState, referenceY, 2);

        float worst = MathF.Max(MemoryFixture.MaxAbsDiff(y, referenceY), MemoryFixture.MaxAbsDiff(state, referenceState));
        output.WriteLine($"saturated LSTM: max abs error {worst:E2} (tolerance {ReferenceTolerance:E0})");
        Assert.All(state, v => Assert.True(float.IsFinite(v)));
        Assert.InRange(worst, 0f, ReferenceTolerance);
    }

    [Fact]
    public void Lstm_PackedRows_GroupEachUnitsGatesInOneBlock()
    {
        // Unit 3's i, f, g, o sit 8 rows apart inside block 0; unit 9 starts block 1 (32 rows per block of 8 units).
        Assert.Equal([3, 11, 19, 27], Enumerable.Range(0, 4).Select(g => Lstm.PackedRow(g, 3)));
        Assert.Equal([33, 41, 49, 57], Enumerable.Range(0, 4).Select(g => Lstm.PackedRow(g, 9)));
        Assert.Equal([25, 33, 41], Enumerable.Range(0, 3).Select(g => Gru.PackedRow(g, 9)));
    }

    [Fact]
    public void Create_WrongShape_ThrowsNamingTensorAndShapes()
    {
        Dictionary<string, Tensor> parameters = MemoryFixture.RandomParameters(CellKind.Gru, 7, 5, 2, seed: 1);
        parameters["weight_hh_l1"] = new Tensor(15, 4);

        var e = Assert.Throws<ArgumentException>(() => RecurrentCore.Create(CellKind.Gru, 7, 5, 2, n => parameters[n]));

        output.WriteLine(e.Message);
        Assert.Contains("weight_hh_l1", e.Message);
        Assert.Contains("(15, 4)", e.Message);
        Assert.Contains("(15, 5)", e.Message);
    }

    [Fact]
    public void Create_LstmGivenGruWeights_ThrowsOnFirstTensor()
    {
        Dictionary<string, Tensor> parameters = MemoryFixture.RandomParameters(CellKind.Gru, 7, 5, 1, seed: 1);

        var e = Assert.Throws<ArgumentException>(() => RecurrentCore.Create(CellKind.Lstm, 7, 5, 1, n => parameters[n]));

        Assert.Contains("weight_ih_l0", e.Message);
        Assert.Contains("(20, 7)", e.Message);
    }

    [Theory]
    [InlineData(CellKind.Lstm, typeof(Lstm))]
    [InlineData(CellKind.Gru, typeof(Gru))]
    [InlineData(CellKind.Rnn, typeof(Rnn))]
    public void Create_EachKind_ReturnsItsCellWithStateSize(CellKind kind, Type type)
    {
        Dictionary<string, Tensor> parameters = MemoryFixture.RandomParameters(kind, 4, 6, 2, seed: 2);

        RecurrentCore core = RecurrentCore.Create(kind, 4, 6, 2, n => parameters[n]);

        Assert.IsType(type, core);
        Assert.Equal(kind, core.Kind);
        Assert.Equal(kind == CellKind.Lstm ? 24 : 12, core.StateSize);
    }

    [Fact]
    public void Step_ShortState_ThrowsNamingSizes()
    {
        RecurrentCore core = Build(CellKind.Lstm, 3, 4, 1);

        var e = Assert.Throws<ArgumentException>(() => core.Step(new float[6], new float[15], new float[8], 2));

        Assert.Contains("state 15 (needs 16)", e.Message);
    }

    [Theory]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    [InlineData(CellKind.Rnn)]
    public void Step_AfterEnsureCapacity_AllocatesNothing(CellKind kind)
    {
        RecurrentCore core = Build(kind, 32, 24, 2);
        const int batch = 8;
        core.EnsureCapacity(batch);
        var x = new float[batch * 32];
        var state = new float[batch * core.StateSize];
        var y = new float[batch * 24];
        var starts = new float[3 * batch];
        var xs = new float[3 * batch * 32];
        var ys = new float[3 * batch * 24];
        core.Step(x, state, y, batch);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 50; i++)
        {
            core.Step(x, state, y, batch);
            core.Sequence(xs, starts, state, ys, 3, batch);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void ResetState_StartOne_ZeroesOnlyThatStream()
    {
        RecurrentCore core = Build(CellKind.Lstm, 3, 4, 2);
        float[] state = MemoryFixture.RandomFloats(new Random(1), 3 * core.StateSize);
        float[] before = (float[])state.Clone();

        core.ResetState(state, [0f, 1f, 0f], 3);

        int size = core.StateSize;
        Assert.Equal(before.AsSpan(0, size).ToArray(), state.AsSpan(0, size).ToArray());
        Assert.All(state.AsSpan(size, size).ToArray(), v => Assert.Equal(0f, v));
        Assert.Equal(before.AsSpan(2 * size, size).ToArray(), state.AsSpan(2 * size, size).ToArray());
    }

    [Fact]
    public void ResetState_FractionalStart_ScalesByOneMinusStart()
    {
        RecurrentCore core = Build(CellKind.Rnn, 3, 4, 1);
        float[] state = [1f, -2f, 4f, 8f];

        core.ResetState(state, [0.25f], 1);

        Assert.Equal([0.75f, -1.5f, 3f, 6f], state);
    }

    [Theory]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    public void Sequence_EmptyStarts_EqualsAllZeroStarts(CellKind kind)
    {
        RecurrentCore core = Build(kind, 5, 6, 2);
        var random = new Random(4);
        float[] x = MemoryFixture.RandomFloats(random, 4 * 3 * 5);
        float[] a = MemoryFixture.RandomFloats(random, 3 * core.StateSize);
        float[] b = (float[])a.Clone();
        var ya = new float[4 * 3 * 6];
        var yb = new float[ya.Length];

        core.Sequence(x, [], a, ya, 4, 3);
        core.Sequence(x, new float[4 * 3], b, yb, 4, 3);

        Assert.Equal(ya, yb);
        Assert.Equal(a, b);
    }

    [Fact]
    public void CopyStateLayers_RoundTrip_PlacesHThenCPerLayer()
    {
        RecurrentCore core = Build(CellKind.Lstm, 2, 3, 2);
        const int batch = 2;
        float[] h = Enumerable.Range(0, 12).Select(i => (float)i).ToArray();           // (L=2, B=2, H=3)
        float[] c = Enumerable.Range(100, 12).Select(i => (float)i).ToArray();
        var state = new float[batch * core.StateSize];

        core.CopyStateFromLayers(h, c, state, batch);

        // Stream 1: [h_0, c_0, h_1, c_1] = h[0,1], c[0,1], h[1,1], c[1,1].
        Assert.Equal([3f, 4f, 5f, 103f, 104f, 105f, 9f, 10f, 11f, 109f, 110f, 111f], state.AsSpan(12, 12).ToArray());
        Assert.Equal(6, core.HiddenOffset(1));
        Assert.Equal(9, core.CellOffset(1));
        var h2 = new float[12];
        var c2 = new float[12];
        core.CopyStateToLayers(state, h2, c2, batch);
        Assert.Equal(h, h2);
        Assert.Equal(c, c2);
    }

    [Fact]
    public void CellOffset_Gru_Throws()
    {
        RecurrentCore core = Build(CellKind.Gru, 2, 3, 1);

        Assert.Throws<InvalidOperationException>(() => core.CellOffset(0));
    }

    private static RecurrentCore Build(CellKind kind, int input, int hidden, int layers)
    {
        Dictionary<string, Tensor> parameters = MemoryFixture.RandomParameters(kind, input, hidden, layers, seed: 9);
        return RecurrentCore.Create(kind, input, hidden, layers, n => parameters[n]);
    }

    private static void TensorScale(Tensor t, float factor)
    {
        for (int i = 0; i < t.Length; i++)
        {
            t.Data[i] *= factor;
        }
    }
}
