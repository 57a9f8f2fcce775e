using AgentRnn.Core;
using AgentRnn.Core.Compute;
using AgentRnn.Core.Compute.Cpu;
using AgentRnn.Core.Kernels;
using AgentRnn.Core.Recurrent;
using Xunit;

namespace AgentRnn.Tests.Compute;

/// <summary>
/// The CPU device's layers wrap the tuned kernels and cores: their outputs equal the kernels' bit for bit (same code,
/// same order), and the recurrent layer's slots behave as separately held states.
/// </summary>
public sealed class CpuDeviceLayerTests
{
    private static float[] Random(int n, int seed)
    {
        var rng = new System.Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++)
        {
            a[i] = (float)(rng.NextDouble() * 2 - 1) * 0.5f;
        }
        return a;
    }

    private static Func<string, Tensor> CellWeights(CellKind kind, int input, int hidden, int layers, int seed)
    {
        int gates = kind switch { CellKind.Lstm => 4, CellKind.Gru => 3, _ => 1 };
        var map = new Dictionary<string, Tensor>();
        for (int l = 0; l < layers; l++)
        {
            int inL = l == 0 ? input : hidden;
            map[$"weight_ih_l{l}"] = new Tensor(Random(gates * hidden * inL, seed + 4 * l), gates * hidden, inL);
            map[$"weight_hh_l{l}"] = new Tensor(Random(gates * hidden * hidden, seed + 4 * l + 1), gates * hidden, hidden);
            map[$"bias_ih_l{l}"] = new Tensor(Random(gates * hidden, seed + 4 * l + 2), gates * hidden);
            map[$"bias_hh_l{l}"] = new Tensor(Random(gates * hidden, seed + 4 * l + 3), gates * hidden);
        }
        return name => map[name];
    }

    [Fact]
    public void ConvLayerEqualsTheKernelOnFloatAndUint8Input()
    {
        using var device = new CpuDevice();
        var g = new ConvGeometry(3, 12, 10, 8, 3, 3, stride: 2, padding: 1);
        float[] w = Random(g.WeightSize, 1);
        float[] bias = Random(8, 2);
        const int batch = 2;
        float[] x = Random(batch * g.InputSize, 3);
        var pixels = new byte[batch * g.InputSize];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(i * 37 % 256);
        }
        var kernel = new Conv2d(w, bias, 3, 8, 3, 3, 2, 1);
        var scratch = new float[kernel.ScratchSize(batch, 12, 10)];
        var expected = new float[batch * g.OutputSize];
        kernel.ForwardNhwc(x, Layout.Nchw, expected, batch, 12, 10, Fusion.ReluOutput, scratch);
        var expectedFrames = new float[batch * g.OutputSize];
        kernel.ForwardNhwc(pixels, expectedFrames, batch, 12, 10, Fusion.ReluOutput, scratch);

        ConvLayer layer = device.CreateConv(new ConvSpec(g, Layout.Nchw, Fusion.ReluOutput), w, bias);
        using DeviceBuffer<float> xs = device.Upload<float>(x);
        using DeviceBuffer<byte> fs = device.Upload<byte>(pixels);
        using DeviceBuffer<float> y = device.Allocate<float>(batch * g.OutputSize);
        layer.Forward(xs, y, batch);
        Assert.Equal(expected, y.ToArray());
        layer.Forward(fs, y, batch);
        Assert.Equal(expectedFrames, y.ToArray());
        Assert.Equal(1, device.LayerCount);
    }

    [Fact]
    public void LinearMaxPoolAndActivateEqualTheKernels()
    {
        using var device = new CpuDevice(new CpuDeviceOptions { Threads = 1 });
        float[] w = Random(6 * 5, 4);
        float[] b = Random(6, 5);
        float[] x = Random(3 * 5, 6);
        var expected = new float[3 * 6];
        new Linear(w, b, 6, 5).Forward(x, expected, 3, Activation.Tanh);
        LinearLayer linear = device.CreateLinear(5, 6, w, b, Activation.Tanh);
        using DeviceBuffer<float> xs = device.Upload<float>(x);
        using DeviceBuffer<float> ys = device.Allocate<float>(3 * 6);
        linear.Forward(xs, ys, 3);
        Assert.Equal(expected, ys.ToArray());

        float[] image = Random(2 * 7 * 7 * 4, 7);
        var pooled = new float[2 * 4 * 4 * 4];
        new MaxPool2d(3, 2, 1).ForwardNhwc(image, pooled, 2, 4, 7, 7);
        MaxPoolLayer pool = device.CreateMaxPool2d(3, 2, 1);
        using DeviceBuffer<float> input = device.Upload<float>(image);
        using DeviceBuffer<float> output = device.Allocate<float>(pooled.Length);
        pool.Forward(input, output, 2, 4, 7, 7);
        Assert.Equal(pooled, output.ToArray());

        device.Activate(output, Activation.ReLU);
        Assert.All(output.ToArray(), v => Assert.True(v >= 0f));
    }

    [Theory]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    [InlineData(CellKind.Rnn)]
    public void RecurrentSlotsEqualSeparateStatesWhateverTheirOrder(CellKind kind)
    {
        const int input = 5, hidden = 9, layers = 2, steps = 4;
        Func<string, Tensor> weights = CellWeights(kind, input, hidden, layers, 10);
        RecurrentCore core = RecurrentCore.Create(kind, input, hidden, layers, weights);
        using var device = new CpuDevice();
        RecurrentLayer layer = device.CreateRecurrent(new RecurrentSpec(kind, input, hidden, layers), weights, slots: 4);
        Assert.Equal(core.StateSize, layer.StateSize);

        // Reference: stream s keeps its own state; every step feeds streams 3 and 1 (in that order) their own rows.
        var states = new float[4][];
        for (int s = 0; s < 4; s++)
        {
            states[s] = new float[core.StateSize];
        }
        float[] x = Random(steps * 2 * input, 20);
        float[] starts = new float[steps * 2];
        starts[2 * 2 + 1] = 1f; // stream 1 starts a new episode before step 2
        var expected = new float[steps * 2 * hidden];
        int[] order = [3, 1];
        for (int t = 0; t < steps; t++)
        {
            for (int b = 0; b < 2; b++)
            {
                float[] st = states[order[b]];
                if (starts[t * 2 + b] != 0f)
                {
                    Array.Clear(st);
                }
                core.Step(x.AsSpan((t * 2 + b) * input, input), st, expected.AsSpan((t * 2 + b) * hidden, hidden), 1);
            }
        }

        using DeviceBuffer<float> xs = device.Upload<float>(x);
        using DeviceBuffer<float> ys = device.Allocate<float>(steps * 2 * hidden);
        layer.Sequence(xs, order, starts, ys, steps, 2);
        AssertClose(expected, ys.ToArray(), 1e-6f);

        var slot = new float[layer.StateSize];
        layer.ReadSlot(3, slot);
        AssertClose(states[3], slot, 1e-6f);
        layer.ReadSlot(0, slot);
        Assert.All(slot, v => Assert.Equal(0f, v));

        // Write/copy/reset move whole states.
        layer.WriteSlot(0, states[3]);
        layer.CopySlot(0, 2);
        layer.ReadSlot(2, slot);
        Assert.Equal(states[3], slot);
        layer.ResetSlot(2);
        layer.ReadSlot(2, slot);
        Assert.All(slot, v => Assert.Equal(0f, v));

        layer.EnsureSlots(9);
        Assert.Equal(9, layer.SlotCount);
        layer.ReadSlot(3, slot);
        AssertClose(states[3], slot, 1e-6f);
    }

    [Fact]
    public void StepByStepEqualsOneSequenceCallInPlace()
    {
        const int input = 4, hidden = 16;
        Func<string, Tensor> weights = CellWeights(CellKind.Lstm, input, hidden, 1, 30);
        using var device = new CpuDevice();
        var spec = new RecurrentSpec(CellKind.Lstm, input, hidden);
        RecurrentLayer a = device.CreateRecurrent(spec, weights, 3);
        RecurrentLayer b = device.CreateRecurrent(spec, weights, 3);
        float[] x = Random(5 * 3 * input, 31);
        using DeviceBuffer<float> xs = device.Upload<float>(x);
        using DeviceBuffer<float> seq = device.Allocate<float>(5 * 3 * hidden);
        using DeviceBuffer<float> one = device.Allocate<float>(5 * 3 * hidden);
        int[] slots = [0, 1, 2];
        a.Sequence(xs, slots, default, seq, 5, 3);
        for (int t = 0; t < 5; t++)
        {
            b.Step(xs.Slice(t * 3 * input, 3 * input), slots, default, one.Slice(t * 3 * hidden, 3 * hidden), 3);
        }
        Assert.Equal(seq.ToArray(), one.ToArray());
    }

    [Fact]
    public void BadCallsFailWithOneLine()
    {
        using var device = new CpuDevice();
        Func<string, Tensor> weights = CellWeights(CellKind.Gru, 3, 4, 1, 40);
        RecurrentLayer layer = device.CreateRecurrent(new RecurrentSpec(CellKind.Gru, 3, 4), weights, 2);
        using DeviceBuffer<float> x = device.Allocate<float>(6);
        using DeviceBuffer<float> y = device.Allocate<float>(8);
        Assert.Contains("appears twice", Assert.Throws<ArgumentException>(() => layer.Step(x, [1, 1], default, y, 2)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => layer.Step(x, [0, 2], default, y, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => layer.ResetSlot(5));
        Assert.Contains("weight_ih_l0", Assert.Throws<ArgumentException>(() =>
            device.CreateRecurrent(new RecurrentSpec(CellKind.Lstm, 3, 4), weights, 1)).Message);
        using var other = new CpuDevice();
        using DeviceBuffer<float> foreign = other.Allocate<float>(6);
        Assert.Contains("another device", Assert.Throws<ArgumentException>(() => layer.Step(foreign, [0, 1], default, y, 2)).Message);
        Assert.Throws<ArgumentException>(() => new CpuDevice(new CpuDeviceOptions { Threads = -1 }));
    }

    [Fact]
    public void DisposingTheDeviceDisposesItsLayers()
    {
        var device = new CpuDevice();
        LinearLayer linear = device.CreateLinear(2, 2, new float[4], default);
        Assert.Equal(1, device.LayerCount);
        device.Dispose();
        Assert.True(linear.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => device.CreateMaxPool2d(2, 2));
    }

    private static void AssertClose(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"[{i}] {expected[i]} vs {actual[i]} (tolerance {tolerance})");
        }
    }
}
