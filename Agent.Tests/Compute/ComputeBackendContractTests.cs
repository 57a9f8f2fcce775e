using AgentRnn.Core.Compute;
using AgentRnn.Core.Kernels;
using Xunit.Abstractions;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Tests.Compute;

/// <summary>
/// The contract every compute backend meets, checked against <see cref="ComputeReference"/> (double precision) with
/// an absolute tolerance of 1e-4; each numeric test prints its worst error. One subclass per backend.
/// </summary>
public abstract partial class ComputeBackendContractTests(ITestOutputHelper output)
{
    protected const double Tolerance = 1e-4;

    /// <summary>The device under test, shared by the class's tests.</summary>
    protected abstract ComputeDevice Device { get; }

    /// <summary>A new device the test owns and disposes.</summary>
    protected abstract ComputeDevice CreateDevice();

    [Fact]
    public void Upload_ThenRead_RoundTripsFloatsAndBytes()
    {
        float[] floats = ComputeReference.Random(1, 37);
        byte[] bytes = [0, 1, 127, 128, 255];
        using DeviceBuffer<float> f = Device.Upload<float>(floats);
        using DeviceBuffer<byte> b = Device.Upload<byte>(bytes);
        Assert.Equal(floats, f.ToArray());
        Assert.Equal(bytes, b.ToArray());
    }

    [Fact]
    public void Allocate_NewBuffer_IsZeroFilled()
    {
        using DeviceBuffer<float> buffer = Device.Allocate<float>(100);
        Assert.All(buffer.ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Write_AtOffset_ChangesOnlyThatRange()
    {
        using DeviceBuffer<float> buffer = Device.Allocate<float>(10);
        buffer.Write([1f, 2f, 3f], offset: 4);
        Assert.Equal([0f, 0f, 0f, 0f, 1f, 2f, 3f, 0f, 0f, 0f], buffer.ToArray());
        var part = new float[2];
        buffer.Read(part, offset: 5);
        Assert.Equal([2f, 3f], part);
    }

    [Fact]
    public void Write_PastTheEnd_ThrowsArgumentOutOfRange()
    {
        using DeviceBuffer<float> buffer = Device.Allocate<float>(4);
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Write([1f, 2f], offset: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => buffer.Slice(2, 3));
    }

    [Theory]
    [InlineData(1, 5, 7, 0)]
    [InlineData(3, 17, 33, 1)]
    [InlineData(16, 64, 16, 0)]
    [InlineData(20, 70, 40, 1)]
    [InlineData(65, 66, 129, 2)]
    [InlineData(64, 32, 300, 3)]
    public void Gemm_WithBias_MatchesReference(int m, int n, int k, int activation)
    {
        float[] a = ComputeReference.Random(m * 7 + k, m * k);
        float[] b = ComputeReference.Random(n * 13 + k, n * k, 0.2f);
        float[] bias = ComputeReference.Random(n, n);
        using DeviceBuffer<float> da = Device.Upload<float>(a), db = Device.Upload<float>(b), dbias = Device.Upload<float>(bias);
        using DeviceBuffer<float> dc = Device.Allocate<float>(m * n);
        Device.Gemm(da, db, dbias, dc, m, n, k, activation: (Activation)activation);
        AssertClose(ComputeReference.Gemm(a, b, bias, null, m, n, k, activation), dc.ToArray(), $"gemm {m}x{n}x{k} act {(Activation)activation}");
    }

    [Theory]
    [InlineData(2, 9, 11)]
    [InlineData(33, 40, 24)]
    public void Gemm_Accumulate_AddsPreviousCBeforeActivation(int m, int n, int k)
    {
        float[] a = ComputeReference.Random(3, m * k);
        float[] b = ComputeReference.Random(4, n * k, 0.3f);
        float[] c0 = ComputeReference.Random(5, m * n);
        using DeviceBuffer<float> da = Device.Upload<float>(a), db = Device.Upload<float>(b), dc = Device.Upload<float>(c0);
        Device.Gemm(da, db, default, dc, m, n, k, accumulate: true, activation: Activation.Tanh);
        AssertClose(ComputeReference.Gemm(a, b, null, c0, m, n, k, 2), dc.ToArray(), $"gemm accumulate {m}x{n}x{k}");
    }

    [Fact]
    public void Gemm_Views_ReadAndWriteOnlyTheirRanges()
    {
        const int m = 3, n = 4, k = 5;
        float[] a = ComputeReference.Random(6, m * k);
        float[] b = ComputeReference.Random(7, n * k);
        using DeviceBuffer<float> da = Device.Allocate<float>(m * k + 3), db = Device.Allocate<float>(n * k + 1), dc = Device.Allocate<float>(m * n + 10);
        da.Write(a, 3);
        db.Write(b, 1);
        dc.Write(Enumerable.Repeat(-7f, m * n + 10).ToArray());
        Device.Gemm(da.Slice(3, m * k), db.Slice(1, n * k), default, dc.Slice(5, m * n), m, n, k);
        float[] c = dc.ToArray();
        AssertClose(ComputeReference.Gemm(a, b, null, null, m, n, k, 0), c.AsSpan(5, m * n).ToArray(), "gemm on views");
        Assert.All(c[..5], v => Assert.Equal(-7f, v));
        Assert.All(c[(5 + m * n)..], v => Assert.Equal(-7f, v));
    }

    [Fact]
    public void Gemm_OutputTooSmall_ThrowsArgumentExceptionNamingIt()
    {
        using DeviceBuffer<float> a = Device.Allocate<float>(6), b = Device.Allocate<float>(6), c = Device.Allocate<float>(3);
        var e = Assert.Throws<ArgumentException>(() => Device.Gemm(a, b, default, c, 2, 2, 3));
        Assert.Contains("c holds 3 elements, needs 4", e.Message);
    }

    [Theory]
    [InlineData(2, 3, 9, 8, 5, 3, 3, 1, 1, 1)]
    [InlineData(1, 4, 20, 20, 6, 8, 8, 4, 0, 1)]
    [InlineData(3, 2, 7, 10, 4, 4, 3, 2, 2, 0)]
    public void Conv2d_Float_MatchesReference(int batch, int inC, int h, int w, int outC, int kh, int kw, int stride, int pad, int activation)
    {
        var g = new ConvGeometry(inC, h, w, outC, kh, kw, stride, pad);
        float[] x = ComputeReference.Random(8, batch * g.InputSize);
        float[] weight = ComputeReference.Random(9, g.WeightSize, 0.3f);
        float[] bias = ComputeReference.Random(10, outC);
        using DeviceBuffer<float> dx = Device.Upload<float>(x), dw = Device.Upload<float>(weight), db = Device.Upload<float>(bias);
        using DeviceBuffer<float> dy = Device.Allocate<float>(batch * g.OutputSize);
        Device.Conv2d(dx, dw, db, dy, g, batch, (Activation)activation);
        float[] expected = ComputeReference.Conv2d(x, 1f, weight, bias, batch, inC, h, w, outC, kh, kw, stride, pad, activation);
        AssertClose(expected, dy.ToArray(), $"conv {inC}x{h}x{w}→{outC} k{kh}x{kw} s{stride} p{pad}");
    }

    [Fact]
    public void Conv2d_BytesWithScale_MatchesReferenceOnScaledFloats()
    {
        // NatureCNN's first layer on a small frame stack: 4 uint8 frames, 8x8 kernel, stride 4, ×1/255 on the device.
        const int batch = 2;
        var g = new ConvGeometry(4, 36, 36, 8, 8, 8, 4, 0);
        var random = new Random(11);
        byte[] frames = new byte[batch * g.InputSize];
        random.NextBytes(frames);
        float[] weight = ComputeReference.Random(12, g.WeightSize, 0.1f);
        float[] bias = ComputeReference.Random(13, g.OutChannels);
        using DeviceBuffer<byte> dx = Device.Upload<byte>(frames);
        using DeviceBuffer<float> dw = Device.Upload<float>(weight), db = Device.Upload<float>(bias), dy = Device.Allocate<float>(batch * g.OutputSize);
        Device.Conv2d(dx, 1f / 255f, dw, db, dy, g, batch, Activation.ReLU);
        float[] expected = ComputeReference.Conv2d([.. frames.Select(v => (float)v)], 1f / 255f, weight, bias, batch, 4, 36, 36, 8, 8, 8, 4, 0, 1);
        AssertClose(expected, dy.ToArray(), "conv uint8 NatureCNN conv1");
    }

    [Theory]
    [InlineData(5, 3, 7, 20)]
    [InlineData(3, 2, 5, 300)]
    public void LstmSequence_WithResets_MatchesReference(int steps, int batch, int input, int hidden)
    {
        var layer = new RecurrentFixture(Device, 4, steps, batch, input, hidden);
        var h = new double[batch * hidden];
        var c = new double[batch * hidden];
        float[] h0 = ComputeReference.Random(20, batch * hidden, 0.5f), c0 = ComputeReference.Random(21, batch * hidden, 0.5f);
        for (int i = 0; i < h.Length; i++)
        {
            h[i] = h0[i];
            c[i] = c0[i];
        }
        using DeviceBuffer<float> dh = Device.Upload<float>(h0), dc = Device.Upload<float>(c0);
        float[] expected = ComputeReference.Lstm(layer.X, layer.Wih, layer.Whh, layer.Bih, layer.Bhh, h, c, layer.Starts, steps, batch, input, hidden);
        layer.InputGates();
        Device.LstmSequence(layer.Gates, layer.DWhh, layer.DBhh, dh, dc, layer.DStarts, layer.Output, steps, batch, hidden);
        AssertClose(expected, layer.Output.ToArray(), $"lstm T{steps} B{batch} I{input} H{hidden} output");
        AssertClose([.. h.Select(v => (float)v)], dh.ToArray(), "lstm final h");
        AssertClose([.. c.Select(v => (float)v)], dc.ToArray(), "lstm final c");
        layer.Dispose();
    }

    [Fact]
    public void LstmSequence_StepByStep_EqualsOneSequence()
    {
        const int steps = 4, batch = 2, input = 6, hidden = 9;
        var layer = new RecurrentFixture(Device, 4, steps, batch, input, hidden);
        layer.InputGates();
        using DeviceBuffer<float> h1 = Device.Allocate<float>(batch * hidden), c1 = Device.Allocate<float>(batch * hidden);
        using DeviceBuffer<float> h2 = Device.Allocate<float>(batch * hidden), c2 = Device.Allocate<float>(batch * hidden);
        using DeviceBuffer<float> stepped = Device.Allocate<float>(steps * batch * hidden);
        Device.LstmSequence(layer.Gates, layer.DWhh, layer.DBhh, h1, c1, layer.DStarts, layer.Output, steps, batch, hidden);
        int g = 4 * hidden;
        for (int t = 0; t < steps; t++)
        {
            Device.LstmSequence(layer.Gates.Slice(t * batch * g, batch * g), layer.DWhh, layer.DBhh, h2, c2, layer.DStarts.Slice(t * batch, batch), stepped.Slice(t * batch * hidden, batch * hidden), 1, batch, hidden);
        }
        AssertClose(layer.Output.ToArray(), stepped.ToArray(), "lstm stepped vs sequence");
        layer.Dispose();
    }

    [Theory]
    [InlineData(5, 3, 7, 20)]
    [InlineData(2, 2, 4, 270)]
    public void GruSequence_WithResets_MatchesReference(int steps, int batch, int input, int hidden)
    {
        var layer = new RecurrentFixture(Device, 3, steps, batch, input, hidden);
        float[] h0 = ComputeReference.Random(22, batch * hidden, 0.5f);
        double[] h = [.. h0.Select(v => (double)v)];
        using DeviceBuffer<float> dh = Device.Upload<float>(h0);
        float[] expected = ComputeReference.Gru(layer.X, layer.Wih, layer.Whh, layer.Bih, layer.Bhh, h, layer.Starts, steps, batch, input, hidden);
        layer.InputGates();
        Device.GruSequence(layer.Gates, layer.DWhh, layer.DBhh, dh, layer.DStarts, layer.Output, steps, batch, hidden);
        AssertClose(expected, layer.Output.ToArray(), $"gru T{steps} B{batch} I{input} H{hidden} output");
        AssertClose([.. h.Select(v => (float)v)], dh.ToArray(), "gru final h");
        layer.Dispose();
    }

    [Fact]
    public void CopyRows_GatherThenScatter_MovesTheIndexedRows()
    {
        const int width = 3;
        float[] table = [.. Enumerable.Range(0, 5 * width).Select(i => (float)i)];
        using DeviceBuffer<float> source = Device.Upload<float>(table), batch = Device.Allocate<float>(2 * width), target = Device.Allocate<float>(5 * width);
        using DeviceBuffer<int> rows = Device.Upload<int>([4, 1]);
        Device.CopyRows(source, rows, batch, default, 2, width);
        Assert.Equal([12f, 13f, 14f, 3f, 4f, 5f], batch.ToArray());
        Device.CopyRows(batch, default, target, rows, 2, width);
        Assert.Equal([0f, 0f, 0f, 3f, 4f, 5f, 0f, 0f, 0f, 0f, 0f, 0f, 12f, 13f, 14f], target.ToArray());
    }

    [Fact]
    public void Dispose_Device_ReleasesEveryBufferItOwns()
    {
        ComputeDevice device = CreateDevice();
        DeviceBuffer<float> a = device.Allocate<float>(8);
        DeviceBuffer<byte> b = device.Allocate<byte>(8);
        DeviceBuffer<float> c = device.Allocate<float>(8);
        c.Dispose();
        Assert.Equal(2, device.BufferCount);
        device.Dispose();
        Assert.True(a.IsDisposed);
        Assert.True(b.IsDisposed);
        Assert.Equal(0, device.BufferCount);
        Assert.Throws<ObjectDisposedException>(() => a.ToArray());
        Assert.Throws<ObjectDisposedException>(() => device.Allocate<float>(1));
        a.Dispose();
        device.Dispose();
    }

    [Fact]
    public void Gemm_BufferOfAnotherDevice_ThrowsArgumentException()
    {
        using ComputeDevice other = CreateDevice();
        using DeviceBuffer<float> foreign = other.Allocate<float>(4);
        using DeviceBuffer<float> b = Device.Allocate<float>(4), c = Device.Allocate<float>(4);
        var e = Assert.Throws<ArgumentException>(() => Device.Gemm(foreign, b, default, c, 2, 2, 2));
        Assert.Contains("another device", e.Message);
    }

    protected void AssertClose(float[] expected, float[] actual, string what)
    {
        double worst = ComputeReference.MaxError(expected, actual);
        output.WriteLine($"{Device.Kind} {what}: worst |error| {worst:E2} (tolerance {Tolerance:E0})");
        Assert.True(worst <= Tolerance, $"{what}: worst |error| {worst:E3} > {Tolerance:E0}");
    }

    /// <summary>Random weights, inputs and episode starts for one recurrent layer, uploaded to a device.</summary>
    private sealed class RecurrentFixture : IDisposable
    {
        private readonly ComputeDevice _device;
        private readonly DeviceBuffer<float> _x, _wih, _bih;
        private readonly int _rows, _width, _input;

        public RecurrentFixture(ComputeDevice device, int gates, int steps, int batch, int input, int hidden)
        {
            _device = device;
            _rows = steps * batch;
            _width = gates * hidden;
            _input = input;
            X = ComputeReference.Random(30 + hidden, steps * batch * input);
            Wih = ComputeReference.Random(31 + hidden, _width * input, 0.4f);
            Whh = ComputeReference.Random(32 + hidden, _width * hidden, 1f / MathF.Sqrt(hidden));
            Bih = ComputeReference.Random(33 + hidden, _width, 0.2f);
            Bhh = ComputeReference.Random(34 + hidden, _width, 0.2f);
            Starts = new float[steps * batch];
            Starts[batch] = 1f;
            Starts[Starts.Length - 1] = 1f;
            _x = device.Upload<float>(X);
            _wih = device.Upload<float>(Wih);
            _bih = device.Upload<float>(Bih);
            DWhh = device.Upload<float>(Whh);
            DBhh = device.Upload<float>(Bhh);
            DStarts = device.Upload<float>(Starts);
            Gates = device.Allocate<float>(_rows * _width);
            Output = device.Allocate<float>(steps * batch * hidden);
        }

        public float[] X { get; }
        public float[] Wih { get; }
        public float[] Whh { get; }
        public float[] Bih { get; }
        public float[] Bhh { get; }
        public float[] Starts { get; }
        public DeviceBuffer<float> DWhh { get; }
        public DeviceBuffer<float> DBhh { get; }
        public DeviceBuffer<float> DStarts { get; }
        public DeviceBuffer<float> Gates { get; }
        public DeviceBuffer<float> Output { get; }

        /// <summary>Gates (T·B, G·H) = x · W_ihᵀ + b_ih for every step in one GEMM.</summary>
        public void InputGates() => _device.Gemm(_x, _wih, _bih, Gates, _rows, _width, _input);

        public void Dispose()
        {
            foreach (DeviceBuffer<float> buffer in new[] { _x, _wih, _bih, DWhh, DBhh, DStarts, Gates, Output })
            {
                buffer.Dispose();
            }
        }
    }
}
