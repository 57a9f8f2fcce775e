using AgentRnn.Core;
using AgentRnn.Core.Compute;
using AgentRnn.Core.Compute.Cpu;
using AgentRnn.Core.Compute.Ilgpu;
using AgentRnn.Core.Kernels;
using AgentRnn.Core.Recurrent;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Compute;

/// <summary>
/// The layer contract every <see cref="ComputeDevice"/> meets, checked against <see cref="ComputeReference"/> (double
/// precision) and, where the reference has no counterpart, against the CPU device; absolute tolerance 1e-4, each test
/// prints its worst error. One subclass per device; shapes are tiny because ILGPU's CPU accelerator emulates threads.
/// </summary>
public abstract class DeviceLayerContractTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-4;
    private ComputeDevice? _device;

    /// <summary>The device under test (created on first use, disposed with the test).</summary>
    protected ComputeDevice Device => _device ??= CreateDevice();

    protected abstract ComputeDevice CreateDevice();

    public void Dispose()
    {
        _device?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public void Buffers_RoundTripAndStartZeroed()
    {
        float[] floats = ComputeReference.Random(1, 37);
        using DeviceBuffer<float> f = Device.Upload<float>(floats);
        using DeviceBuffer<byte> b = Device.Upload<byte>([0, 1, 127, 255]);
        using DeviceBuffer<float> zero = Device.Allocate<float>(9);
        Assert.Equal(floats, f.ToArray());
        Assert.Equal([0, 1, 127, 255], b.ToArray());
        Assert.All(zero.ToArray(), v => Assert.Equal(0f, v));
        f.Write([5f, 6f], offset: 3);
        var part = new float[3];
        f.Read(part, offset: 2);
        Assert.Equal([floats[2], 5f, 6f], part);
    }

    [Fact]
    public void Buffers_PastTheEnd_ThrowArgumentOutOfRange()
    {
        using DeviceBuffer<float> buffer = Device.Allocate<float>(4);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Write([1f, 2f], offset: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Slice(2, 3));
    }

    [Fact]
    public void Dispose_Device_ReleasesEveryBufferAndLayerItOwns()
    {
        ComputeDevice device = CreateDevice();
        DeviceBuffer<float> a = device.Allocate<float>(8);
        DeviceBuffer<byte> b = device.Allocate<byte>(8);
        DeviceBuffer<float> c = device.Allocate<float>(8);
        LinearLayer linear = device.CreateLinear(2, 2, [1f, 0f, 0f, 1f], default);
        c.Dispose();
        Assert.Equal(2, device.BufferCount);
        Assert.Equal(1, device.LayerCount);
        device.Dispose();
        Assert.True(a.IsDisposed);
        Assert.True(b.IsDisposed);
        Assert.True(linear.IsDisposed);
        Assert.Equal(0, device.BufferCount);
        Assert.Equal(0, device.LayerCount);
        Assert.Throws<ObjectDisposedException>(() => a.ToArray());
        Assert.Throws<ObjectDisposedException>(() => device.Allocate<float>(1));
        a.Dispose();
        device.Dispose();
    }

    [Fact]
    public void Copy_BufferOfAnotherDevice_ThrowsArgumentException()
    {
        using ComputeDevice other = CreateDevice();
        using DeviceBuffer<float> foreign = other.Allocate<float>(4);
        using DeviceBuffer<float> mine = Device.Allocate<float>(4);
        var e = Assert.Throws<ArgumentException>(() => Device.Copy(foreign, mine));
        Assert.Contains("another device", e.Message);
    }

    [Theory]
    [InlineData(3, 8, 8, 4, 3, 1, 1, Fusion.ReluOutput)]
    [InlineData(4, 9, 7, 5, 4, 2, 0, Fusion.None)]
    [InlineData(2, 8, 8, 3, 8, 4, 0, Fusion.ReluOutput)]
    public void Conv_Uint8AndFloatNchw_MatchReference(int inC, int h, int w, int outC, int kernel, int stride, int pad, Fusion fusion)
    {
        const int batch = 2;
        var geometry = new ConvGeometry(inC, h, w, outC, kernel, kernel, stride, pad);
        float[] weight = ComputeReference.Random(7, geometry.WeightSize, 0.2f);
        float[] bias = ComputeReference.Random(8, outC);
        var pixels = new byte[batch * geometry.InputSize];
        new Random(9).NextBytes(pixels);
        float[] floats = ComputeReference.Random(10, batch * geometry.InputSize);
        int act = (fusion & Fusion.ReluOutput) != 0 ? 1 : 0;
        using ConvLayer conv = Device.CreateConv(new ConvSpec(geometry, Layout.Nchw, fusion, 1f / 255f), weight, bias);
        using DeviceBuffer<byte> dpixels = Device.Upload<byte>(pixels);
        using DeviceBuffer<float> dfloats = Device.Upload<float>(floats);
        using DeviceBuffer<float> y = Device.Allocate<float>(batch * geometry.OutputSize);

        conv.Forward(dpixels, y, batch);
        float[] expected = ComputeReference.Conv2d([.. pixels.Select(p => (float)p)], 1f / 255f, weight, bias, batch, inC, h, w, outC, kernel, kernel, stride, pad, act);
        Check(ToNhwc(expected, batch, outC, geometry.OutHeight, geometry.OutWidth), y.ToArray());

        conv.Forward(dfloats, y, batch);
        expected = ComputeReference.Conv2d(floats, 1f, weight, bias, batch, inC, h, w, outC, kernel, kernel, stride, pad, act);
        Check(ToNhwc(expected, batch, outC, geometry.OutHeight, geometry.OutWidth), y.ToArray());
    }

    [Fact]
    public void Conv_AndLinear_FromHostMemory_EqualTheDeviceBufferPath()
    {
        // The host-input forwards read in place on the CPU and upload through the layer's own buffer elsewhere; either
        // way the result is the same as uploading first. Two calls, the second at a smaller batch, reuse that buffer.
        var geometry = new ConvGeometry(2, 8, 8, 3, 4, 4, 2);
        float[] weight = ComputeReference.Random(31, geometry.WeightSize, 0.2f);
        float[] bias = ComputeReference.Random(32, 3);
        var pixels = new byte[3 * geometry.InputSize];
        new Random(33).NextBytes(pixels);
        float[] floats = ComputeReference.Random(34, 3 * geometry.InputSize);
        using ConvLayer conv = Device.CreateConv(new ConvSpec(geometry, Layout.Nchw, Fusion.ReluOutput, 1f / 255f), weight, bias);
        using LinearLayer linear = Device.CreateLinear(geometry.InputSize, 5, ComputeReference.Random(35, 5 * geometry.InputSize, 0.1f), ComputeReference.Random(36, 5), Activation.Tanh);
        using DeviceBuffer<float> fromDevice = Device.Allocate<float>(3 * geometry.OutputSize);
        using DeviceBuffer<float> fromHost = Device.Allocate<float>(3 * geometry.OutputSize);
        using DeviceBuffer<float> linearDevice = Device.Allocate<float>(3 * 5);
        using DeviceBuffer<float> linearHost = Device.Allocate<float>(3 * 5);
        int buffers = -1; // live buffers after the first pass; the second, smaller pass must add none
        foreach (int batch in new[] { 3, 2 })
        {
            using DeviceBuffer<byte> dpixels = Device.Upload<byte>(pixels.AsSpan(0, batch * geometry.InputSize));
            using DeviceBuffer<float> dfloats = Device.Upload<float>(floats.AsSpan(0, batch * geometry.InputSize));
            conv.Forward(dpixels, fromDevice, batch);
            conv.Forward(pixels, fromHost, batch);
            Assert.Equal(fromDevice.ToArray(), fromHost.ToArray());
            conv.Forward(dfloats, fromDevice, batch);
            conv.Forward(floats, fromHost, batch);
            Assert.Equal(fromDevice.ToArray(), fromHost.ToArray());
            linear.Forward(dfloats, linearDevice, batch);
            linear.Forward(floats, linearHost, batch);
            Assert.Equal(linearDevice.ToArray(), linearHost.ToArray());
            if (buffers < 0)
            {
                buffers = Device.BufferCount;
            }
            else
            {
                Assert.Equal(buffers, Device.BufferCount);
            }
        }
        Assert.Throws<ArgumentException>(() => conv.Forward(pixels.AsSpan(0, geometry.InputSize), fromHost, 2));
        Assert.Throws<ArgumentException>(() => linear.Forward(floats.AsSpan(0, 3), linearHost, 1));
    }

    [Fact]
    public void Conv_NhwcInputWithReluInputAndResidual_MatchesTheCpuDevice()
    {
        const int batch = 2;
        var geometry = new ConvGeometry(4, 6, 6, 4, 3, 3, 1, 1);
        var spec = new ConvSpec(geometry, Layout.Nhwc, Fusion.ReluInput | Fusion.AddToOutput | Fusion.ReluOutput);
        float[] weight = ComputeReference.Random(11, geometry.WeightSize, 0.3f);
        float[] bias = ComputeReference.Random(12, 4);
        float[] x = ComputeReference.Random(13, batch * geometry.InputSize);
        float[] residual = ComputeReference.Random(14, batch * geometry.OutputSize);
        float[] expected = RunOnCpu(cpu =>
        {
            using ConvLayer conv = cpu.CreateConv(spec, weight, bias);
            using DeviceBuffer<float> dx = cpu.Upload<float>(x);
            using DeviceBuffer<float> dy = cpu.Upload<float>(residual);
            conv.Forward(dx, dy, batch);
            return dy.ToArray();
        });
        using ConvLayer conv = Device.CreateConv(spec, weight, bias);
        using DeviceBuffer<float> dx = Device.Upload<float>(x);
        using DeviceBuffer<float> dy = Device.Upload<float>(residual);
        conv.Forward(dx, dy, batch);
        Check(expected, dy.ToArray());
    }

    [Theory]
    [InlineData(1, 7, 5, Activation.None)]
    [InlineData(5, 9, 17, Activation.ReLU)]
    [InlineData(3, 4, 6, Activation.Tanh)]
    public void Linear_MatchesReference(int batch, int inFeatures, int outFeatures, Activation activation)
    {
        float[] weight = ComputeReference.Random(21, outFeatures * inFeatures);
        float[] bias = ComputeReference.Random(22, outFeatures);
        float[] x = ComputeReference.Random(23, batch * inFeatures);
        using LinearLayer linear = Device.CreateLinear(inFeatures, outFeatures, weight, bias, activation);
        using DeviceBuffer<float> dx = Device.Upload<float>(x);
        using DeviceBuffer<float> dy = Device.Allocate<float>(batch * outFeatures);
        linear.Forward(dx, dy, batch);
        Check(ComputeReference.Gemm(x, weight, bias, null, batch, outFeatures, inFeatures, (int)activation), dy.ToArray());
    }

    [Theory]
    [InlineData(2, 2, 0)]
    [InlineData(3, 2, 1)]
    public void MaxPool_MatchesTheCpuDevice(int kernel, int stride, int padding)
    {
        const int batch = 2, channels = 3, height = 7, width = 6;
        float[] x = ComputeReference.Random(31, batch * height * width * channels);
        float[] expected = RunOnCpu(cpu =>
        {
            using MaxPoolLayer pool = cpu.CreateMaxPool2d(kernel, stride, padding);
            (int oh, int ow) = pool.OutputSize(height, width);
            using DeviceBuffer<float> dx = cpu.Upload<float>(x);
            using DeviceBuffer<float> dy = cpu.Allocate<float>(batch * oh * ow * channels);
            pool.Forward(dx, dy, batch, channels, height, width);
            return dy.ToArray();
        });
        using MaxPoolLayer pool = Device.CreateMaxPool2d(kernel, stride, padding);
        using DeviceBuffer<float> dx = Device.Upload<float>(x);
        using DeviceBuffer<float> dy = Device.Allocate<float>(expected.Length);
        pool.Forward(dx, dy, batch, channels, height, width);
        Assert.Equal(expected, dy.ToArray());
    }

    [Fact]
    public void Activate_AndCopy_WorkInPlace()
    {
        float[] x = ComputeReference.Random(41, 20, 3f);
        using DeviceBuffer<float> dx = Device.Upload<float>(x);
        using DeviceBuffer<float> copy = Device.Allocate<float>(20);
        Device.Copy(dx, copy);
        Device.Activate(dx, Activation.Tanh);
        Check([.. x.Select(v => (float)Math.Tanh(v))], dx.ToArray());
        Assert.Equal(x, copy.ToArray());
    }

    [Theory]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    public void Recurrent_SequenceOnSlotsById_MatchesReference(CellKind cell)
    {
        // Three steps of two streams living in slots 3 and 1 of five; stream 0 restarts at step 1.
        const int steps = 3, batch = 2, input = 5, hidden = 8;
        int gates = cell == CellKind.Lstm ? 4 : 3;
        Func<string, Tensor> weights = Weights(cell, input, hidden, 1, 50, out Dictionary<string, Tensor> map);
        float[] x = ComputeReference.Random(51, steps * batch * input);
        float[] starts = [0f, 0f, 1f, 0f, 0f, 0f];
        int[] slots = [3, 1];
        var spec = new RecurrentSpec(cell, input, hidden);
        using RecurrentLayer layer = Device.CreateRecurrent(spec, weights, 5);
        float[][] initial = [.. Enumerable.Range(0, 5).Select(s => ComputeReference.Random(60 + s, spec.StateSize, 0.5f))];
        for (int s = 0; s < 5; s++)
        {
            layer.WriteSlot(s, initial[s]);
        }
        double[] h = [.. initial[3].Take(hidden).Concat(initial[1].Take(hidden)).Select(v => (double)v)];
        double[] c = [.. initial[3].Skip(hidden).Take(hidden).Concat(initial[1].Skip(hidden).Take(hidden)).Select(v => (double)v)];
        float[] expected = cell == CellKind.Lstm
            ? ComputeReference.Lstm(x, map["weight_ih_l0"].Data, map["weight_hh_l0"].Data, map["bias_ih_l0"].Data, map["bias_hh_l0"].Data, h, c, starts, steps, batch, input, hidden)
            : ComputeReference.Gru(x, map["weight_ih_l0"].Data, map["weight_hh_l0"].Data, map["bias_ih_l0"].Data, map["bias_hh_l0"].Data, h, starts, steps, batch, input, hidden);
        Assert.Equal(gates * hidden, map["bias_hh_l0"].Length);

        using DeviceBuffer<float> dx = Device.Upload<float>(x);
        using DeviceBuffer<float> dy = Device.Allocate<float>(steps * batch * hidden);
        layer.Sequence(dx, slots, starts, dy, steps, batch);
        Check(expected, dy.ToArray());
        var state = new float[spec.StateSize];
        layer.ReadSlot(3, state);
        Check([.. h.Take(hidden).Select(v => (float)v)], state.AsSpan(0, hidden).ToArray());
        layer.ReadSlot(0, state);
        Assert.Equal(initial[0], state); // a slot the batch does not name is untouched
    }

    [Theory]
    [InlineData(CellKind.Lstm)]
    [InlineData(CellKind.Gru)]
    [InlineData(CellKind.Rnn)]
    public void Recurrent_TwoLayers_StepBySteppingEqualsSequence_AndMatchesTheCpuDevice(CellKind cell)
    {
        const int steps = 4, batch = 3, input = 6, hidden = 8;
        var spec = new RecurrentSpec(cell, input, hidden, Layers: 2);
        Func<string, Tensor> weights = Weights(cell, input, hidden, 2, 70, out _);
        float[] x = ComputeReference.Random(71, steps * batch * input);
        float[] starts = new float[steps * batch];
        starts[2 * batch + 1] = 1f;
        int[] slots = [2, 0, 3];
        float[] expected = RunOnCpu(cpu =>
        {
            using RecurrentLayer layer = cpu.CreateRecurrent(spec, weights, 4);
            using DeviceBuffer<float> dx = cpu.Upload<float>(x);
            using DeviceBuffer<float> dy = cpu.Allocate<float>(steps * batch * hidden);
            layer.Sequence(dx, slots, starts, dy, steps, batch);
            return dy.ToArray();
        });

        using RecurrentLayer sequence = Device.CreateRecurrent(spec, weights, 4);
        using RecurrentLayer stepped = Device.CreateRecurrent(spec, weights, 1);
        stepped.EnsureSlots(4);
        using DeviceBuffer<float> dxs = Device.Upload<float>(x);
        using DeviceBuffer<float> dys = Device.Allocate<float>(steps * batch * hidden);
        sequence.Sequence(dxs, slots, starts, dys, steps, batch);
        Check(expected, dys.ToArray());
        for (int t = 0; t < steps; t++)
        {
            stepped.Step(dxs.Slice(t * batch * input, batch * input), slots, starts.AsSpan(t * batch, batch), dys.Slice(t * batch * hidden, batch * hidden), batch);
        }
        Check(expected, dys.ToArray());

        // Snapshot one slot, copy it, reset another: slot bookkeeping on the device.
        var a = new float[spec.StateSize];
        var b = new float[spec.StateSize];
        sequence.ReadSlot(2, a);
        stepped.ReadSlot(2, b);
        Check(a, b);
        sequence.CopySlot(2, 1);
        sequence.ReadSlot(1, b);
        Assert.Equal(a, b);
        sequence.ResetSlot(2);
        sequence.ReadSlot(2, b);
        Assert.All(b, v => Assert.Equal(0f, v));
    }

    private static Func<string, Tensor> Weights(CellKind cell, int input, int hidden, int layers, int seed, out Dictionary<string, Tensor> map)
    {
        int gates = cell switch { CellKind.Lstm => 4, CellKind.Gru => 3, _ => 1 };
        var tensors = new Dictionary<string, Tensor>();
        for (int l = 0; l < layers; l++)
        {
            int inL = l == 0 ? input : hidden;
            tensors[$"weight_ih_l{l}"] = new Tensor(ComputeReference.Random(seed + 4 * l, gates * hidden * inL, 0.4f), gates * hidden, inL);
            tensors[$"weight_hh_l{l}"] = new Tensor(ComputeReference.Random(seed + 4 * l + 1, gates * hidden * hidden, 0.4f), gates * hidden, hidden);
            tensors[$"bias_ih_l{l}"] = new Tensor(ComputeReference.Random(seed + 4 * l + 2, gates * hidden, 0.2f), gates * hidden);
            tensors[$"bias_hh_l{l}"] = new Tensor(ComputeReference.Random(seed + 4 * l + 3, gates * hidden, 0.2f), gates * hidden);
        }
        map = tensors;
        return name => tensors[name];
    }

    private static float[] RunOnCpu(Func<CpuDevice, float[]> run)
    {
        using var cpu = new CpuDevice();
        return run(cpu);
    }

    private static float[] ToNhwc(float[] nchw, int batch, int channels, int height, int width)
    {
        var nhwc = new float[nchw.Length];
        for (int n = 0; n < batch; n++)
        {
            for (int c = 0; c < channels; c++)
            {
                for (int p = 0; p < height * width; p++)
                {
                    nhwc[(n * height * width + p) * channels + c] = nchw[(n * channels + c) * height * width + p];
                }
            }
        }
        return nhwc;
    }

    private void Check(float[] expected, float[] actual)
    {
        double error = ComputeReference.MaxError(expected, actual);
        output.WriteLine($"{Device.Kind} {Device.Name}: max |error| {error:E2} over {expected.Length} values");
        Assert.InRange(error, 0, Tolerance);
    }
}

/// <summary>The contract on the CPU device (the tuned kernels).</summary>
public sealed class CpuDeviceLayerContractTests(ITestOutputHelper output) : DeviceLayerContractTests(output)
{
    protected override ComputeDevice CreateDevice() => new CpuDevice();
}

/// <summary>
/// The contract on ILGPU's CPU accelerator with 16-thread groups, so the GPU kernels' 4×4 shared-memory tiles and
/// barriers run as on a GPU: what CI runs of the ILGPU device's layers.
/// </summary>
public sealed class IlgpuCpuDeviceLayerContractTests(ITestOutputHelper output) : DeviceLayerContractTests(output)
{
    protected override ComputeDevice CreateDevice() => IlgpuDevice.OpenTiledCpu();
}

/// <summary>The contract on <c>--backend ilgpu-cpu</c> as the CLI opens it (one-thread groups, 1×1 tiles).</summary>
public sealed class IlgpuCpuBackendLayerContractTests(ITestOutputHelper output) : DeviceLayerContractTests(output)
{
    protected override ComputeDevice CreateDevice() => IlgpuDevice.Open(IlgpuPlatform.CpuBackend);
}
