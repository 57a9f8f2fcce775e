using AgentRnn.Core.Compute;
using AgentRnn.Core.Compute.Ilgpu;
using AgentRnn.Core.Kernels;
using ILGPU;
using ILGPU.Runtime;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Compute.Ilgpu;

/// <summary>ILGPU's CPU accelerator with the kernels loaded once for every test of the class.</summary>
public sealed class IlgpuCpuFixture : IDisposable
{
    private readonly Context _context;

    public IlgpuCpuFixture()
    {
        (_context, Accelerator) = IlgpuPlatform.Open(IlgpuPlatform.CpuBackend, 0, IlgpuPlatform.TiledCpuDevice);
        Kernels = new IlgpuKernelSet(Accelerator);
    }

    public Accelerator Accelerator { get; }

    internal IlgpuKernelSet Kernels { get; }

    public MemoryBuffer1D<T, Stride1D.Dense> Up<T>(T[] data)
        where T : unmanaged
    {
        MemoryBuffer1D<T, Stride1D.Dense> buffer = Accelerator.Allocate1D<T>(Math.Max(1, data.Length));
        if (data.Length > 0)
        {
            buffer.View.SubView(0, data.Length).CopyFromCPU(data);
        }
        return buffer;
    }

    public void Dispose()
    {
        Kernels.Dispose();
        Accelerator.Dispose();
        _context.Dispose();
    }
}

/// <summary>
/// The ILGPU kernels on ILGPU's CPU accelerator against <see cref="ComputeReference"/> (double precision), absolute
/// tolerance 1e-4 (the devices' parity promise). Shapes are tiny: the CPU accelerator emulates GPU threads.
/// </summary>
public sealed class IlgpuKernelTests(IlgpuCpuFixture fixture, ITestOutputHelper output) : IClassFixture<IlgpuCpuFixture>
{
    private const double Tolerance = 1e-4;

    [Theory]
    [InlineData(1, 5, 7, Activation.None)]
    [InlineData(3, 17, 9, Activation.ReLU)]
    [InlineData(6, 4, 13, Activation.Tanh)]
    [InlineData(5, 9, 4, Activation.Sigmoid)]
    public void Gemm_MatchesReference(int m, int n, int k, Activation activation)
    {
        float[] a = ComputeReference.Random(1, m * k);
        float[] b = ComputeReference.Random(2, n * k);
        float[] bias = ComputeReference.Random(3, n);
        float[] c0 = ComputeReference.Random(4, m * n);
        using var da = fixture.Up(a);
        using var db = fixture.Up(b);
        using var dbias = fixture.Up(bias);
        using var dc = fixture.Up(c0);
        fixture.Kernels.Gemm(da.View, null, null, db.View, dbias.View, dc.View, m, n, k, accumulate: true, activation);
        float[] expected = ComputeReference.Gemm(a, b, bias, c0, m, n, k, (int)activation);
        Check(expected, dc.GetAsArray1D());
    }

    [Fact]
    public void Gemm_GathersRowsAndZeroesResetRows()
    {
        // A holds 5 slot rows; the batch reads slots 4, 0, 2 and the middle stream starts an episode (its row is 0).
        const int slots = 5, m = 3, n = 6, k = 8;
        float[] state = ComputeReference.Random(5, slots * k);
        float[] b = ComputeReference.Random(6, n * k);
        int[] rows = [4, 0, 2];
        float[] starts = [0f, 1f, 0f];
        var gathered = new float[m * k];
        for (int r = 0; r < m; r++)
        {
            for (int q = 0; q < k; q++)
            {
                gathered[r * k + q] = (1f - starts[r]) * state[rows[r] * k + q];
            }
        }
        using var da = fixture.Up(state);
        using var drows = fixture.Up(rows);
        using var dstarts = fixture.Up(starts);
        using var db = fixture.Up(b);
        using var dc = fixture.Accelerator.Allocate1D<float>(m * n);
        fixture.Kernels.Gemm(da.View, drows.View, dstarts.View, db.View, null, dc.View, m, n, k, accumulate: false, Activation.None);
        float[] actual = dc.GetAsArray1D();
        Check(ComputeReference.Gemm(gathered, b, null, null, m, n, k, 0), actual);
        Assert.All(actual.AsSpan(n, n).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void LstmCell_StepsSlotsGatheredById_WithEpisodeStarts()
    {
        // Three steps of a 2-stream batch living in slots 3 and 1 of a 4-slot state; stream 0 restarts at step 1.
        const int steps = 3, batch = 2, input = 5, hidden = 8, slots = 4;
        int[] slotIds = [3, 1];
        float[] starts = [0f, 0f, 1f, 0f, 0f, 0f];
        (float[] x, float[] wih, float[] whh, float[] bih, float[] bhh) = RecurrentParameters(11, steps * batch * input, 4 * hidden, input, hidden);
        float[] h0 = ComputeReference.Random(12, slots * hidden);
        float[] c0 = ComputeReference.Random(13, slots * hidden);
        double[] rh = Gather(h0, slotIds, hidden);
        double[] rc = Gather(c0, slotIds, hidden);
        float[] expected = ComputeReference.Lstm(x, wih, whh, bih, bhh, rh, rc, starts, steps, batch, input, hidden);

        using var dx = fixture.Up(x);
        using var dwih = fixture.Up(wih);
        using var dwhh = fixture.Up(whh);
        using var dbih = fixture.Up(bih);
        using var dbhh = fixture.Up(bhh);
        using var dh = fixture.Up(h0);
        using var dc = fixture.Up(c0);
        using var dslots = fixture.Up(slotIds);
        using var dstarts = fixture.Up(starts);
        using var gx = fixture.Accelerator.Allocate1D<float>(steps * batch * 4 * hidden);
        using var gh = fixture.Accelerator.Allocate1D<float>(batch * 4 * hidden);
        using var dout = fixture.Accelerator.Allocate1D<float>(steps * batch * hidden);
        IlgpuKernelSet k = fixture.Kernels;
        k.Gemm(dx.View, null, null, dwih.View, dbih.View, gx.View, steps * batch, 4 * hidden, input, false, Activation.None);
        for (int t = 0; t < steps; t++)
        {
            ArrayView<float> startsT = dstarts.View.SubView(t * batch, batch);
            k.Gemm(dh.View, dslots.View, startsT, dwhh.View, dbhh.View, gh.View, batch, 4 * hidden, hidden, false, Activation.None);
            k.LstmCell(gx.View.SubView(t * batch * 4 * hidden, batch * 4 * hidden), gh.View, dslots.View, startsT, dh.View, dc.View, dout.View.SubView(t * batch * hidden, batch * hidden), batch, hidden);
        }
        Check(expected, dout.GetAsArray1D());
        float[] h = dh.GetAsArray1D();
        float[] c = dc.GetAsArray1D();
        Check(ToFloats(rh), [.. h.AsSpan(3 * hidden, hidden), .. h.AsSpan(1 * hidden, hidden)]);
        Check(ToFloats(rc), [.. c.AsSpan(3 * hidden, hidden), .. c.AsSpan(1 * hidden, hidden)]);
        // Slots the batch does not name are untouched.
        Assert.Equal(h0.AsSpan(0, hidden).ToArray(), h.AsSpan(0, hidden).ToArray());
        Assert.Equal(c0.AsSpan(2 * hidden, hidden).ToArray(), c.AsSpan(2 * hidden, hidden).ToArray());
    }

    [Fact]
    public void GruCell_StepsSlotsGatheredById_WithEpisodeStarts()
    {
        const int steps = 3, batch = 2, input = 4, hidden = 8, slots = 3;
        int[] slotIds = [0, 2];
        float[] starts = [0f, 0f, 0f, 1f, 0f, 0f];
        (float[] x, float[] wih, float[] whh, float[] bih, float[] bhh) = RecurrentParameters(21, steps * batch * input, 3 * hidden, input, hidden);
        float[] h0 = ComputeReference.Random(22, slots * hidden);
        double[] rh = Gather(h0, slotIds, hidden);
        float[] expected = ComputeReference.Gru(x, wih, whh, bih, bhh, rh, starts, steps, batch, input, hidden);

        using var dx = fixture.Up(x);
        using var dwih = fixture.Up(wih);
        using var dwhh = fixture.Up(whh);
        using var dbih = fixture.Up(bih);
        using var dbhh = fixture.Up(bhh);
        using var dh = fixture.Up(h0);
        using var dslots = fixture.Up(slotIds);
        using var dstarts = fixture.Up(starts);
        using var gx = fixture.Accelerator.Allocate1D<float>(steps * batch * 3 * hidden);
        using var gh = fixture.Accelerator.Allocate1D<float>(batch * 3 * hidden);
        using var dout = fixture.Accelerator.Allocate1D<float>(steps * batch * hidden);
        IlgpuKernelSet k = fixture.Kernels;
        k.Gemm(dx.View, null, null, dwih.View, dbih.View, gx.View, steps * batch, 3 * hidden, input, false, Activation.None);
        for (int t = 0; t < steps; t++)
        {
            ArrayView<float> startsT = dstarts.View.SubView(t * batch, batch);
            k.Gemm(dh.View, dslots.View, startsT, dwhh.View, dbhh.View, gh.View, batch, 3 * hidden, hidden, false, Activation.None);
            k.GruCell(gx.View.SubView(t * batch * 3 * hidden, batch * 3 * hidden), gh.View, dslots.View, startsT, dh.View, dout.View.SubView(t * batch * hidden, batch * hidden), batch, hidden);
        }
        Check(expected, dout.GetAsArray1D());
        float[] h = dh.GetAsArray1D();
        Check(ToFloats(rh), [.. h.AsSpan(0, hidden), .. h.AsSpan(2 * hidden, hidden)]);
        Assert.Equal(h0.AsSpan(hidden, hidden).ToArray(), h.AsSpan(hidden, hidden).ToArray());
    }

    [Fact]
    public void RnnCell_MatchesTanhRecurrence()
    {
        const int batch = 2, input = 3, hidden = 8, slots = 2;
        int[] slotIds = [1, 0];
        (float[] x, float[] wih, float[] whh, float[] bih, float[] bhh) = RecurrentParameters(31, batch * input, hidden, input, hidden);
        float[] h0 = ComputeReference.Random(32, slots * hidden);
        var expected = new float[batch * hidden];
        for (int b = 0; b < batch; b++)
        {
            for (int j = 0; j < hidden; j++)
            {
                double s = bih[j] + bhh[j];
                for (int q = 0; q < input; q++)
                {
                    s += (double)wih[j * input + q] * x[b * input + q];
                }
                for (int q = 0; q < hidden; q++)
                {
                    s += (double)whh[j * hidden + q] * h0[slotIds[b] * hidden + q];
                }
                expected[b * hidden + j] = (float)Math.Tanh(s);
            }
        }
        using var dx = fixture.Up(x);
        using var dwih = fixture.Up(wih);
        using var dwhh = fixture.Up(whh);
        using var dbih = fixture.Up(bih);
        using var dbhh = fixture.Up(bhh);
        using var dh = fixture.Up(h0);
        using var dslots = fixture.Up(slotIds);
        using var gx = fixture.Accelerator.Allocate1D<float>(batch * hidden);
        using var gh = fixture.Accelerator.Allocate1D<float>(batch * hidden);
        using var dout = fixture.Accelerator.Allocate1D<float>(batch * hidden);
        IlgpuKernelSet k = fixture.Kernels;
        k.Gemm(dx.View, null, null, dwih.View, dbih.View, gx.View, batch, hidden, input, false, Activation.None);
        k.Gemm(dh.View, dslots.View, null, dwhh.View, dbhh.View, gh.View, batch, hidden, hidden, false, Activation.None);
        k.RnnCell(gx.View, gh.View, dslots.View, dh.View, dout.View, batch, hidden);
        Check(expected, dout.GetAsArray1D());
        float[] h = dh.GetAsArray1D();
        Check(expected, [.. h.AsSpan(hidden, hidden), .. h.AsSpan(0, hidden)]);
    }

    [Fact]
    public void Fixture_RunsFourByFourTiles()
    {
        // The point of this fixture: the shared-memory tiling and its barriers run with more than one thread a group.
        Assert.Equal(4, fixture.Kernels.Tile);
    }

    [Fact]
    public void DeviceMath_ExpSigmoidTanh_WithinAFewUlpOfTheLibrary()
    {
        double worst = 0;
        for (float x = -30f; x <= 30f; x += 0.0137f)
        {
            worst = Math.Max(worst, Math.Abs(DeviceMath.Tanh(x) - Math.Tanh(x)));
            worst = Math.Max(worst, Math.Abs(DeviceMath.Sigmoid(x) - 1.0 / (1.0 + Math.Exp(-x))));
            if (x < 20f)
            {
                worst = Math.Max(worst, Math.Abs(DeviceMath.Exp(x) - Math.Exp(x)) / Math.Exp(x));
            }
        }
        output.WriteLine($"worst error {worst:E2}");
        Assert.InRange(worst, 0, 1e-6);
    }

    private static (float[] X, float[] Wih, float[] Whh, float[] Bih, float[] Bhh) RecurrentParameters(int seed, int xCount, int gates, int input, int hidden)
        => (ComputeReference.Random(seed, xCount), ComputeReference.Random(seed + 100, gates * input, 0.4f), ComputeReference.Random(seed + 200, gates * hidden, 0.4f),
            ComputeReference.Random(seed + 300, gates, 0.2f), ComputeReference.Random(seed + 400, gates, 0.2f));

    private static double[] Gather(float[] state, int[] slots, int hidden)
    {
        var result = new double[slots.Length * hidden];
        for (int b = 0; b < slots.Length; b++)
        {
            for (int j = 0; j < hidden; j++)
            {
                result[b * hidden + j] = state[slots[b] * hidden + j];
            }
        }
        return result;
    }

    private static float[] ToFloats(double[] values) => [.. values.Select(v => (float)v)];

    private void Check(float[] expected, float[] actual)
    {
        Assert.True(actual.Length >= expected.Length, $"{actual.Length} values, expected {expected.Length}");
        double error = ComputeReference.MaxError(expected, actual.AsSpan(0, expected.Length));
        output.WriteLine($"max |error| {error:E2} over {expected.Length} values");
        Assert.InRange(error, 0, Tolerance);
    }
}
