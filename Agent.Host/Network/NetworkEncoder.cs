using AgentRnn.Core;
using AgentRnn.Core.Compute;
using AgentRnn.Core.Kernels;
using AgentRnn.Host.Models;

namespace AgentRnn.Host.Network;

/// <summary>
/// A policy's encoder as device layers: observations (uint8 frames or floats) → features (batch, OutputSize).
/// The one definition of NatureCNN, IMPALA and the MLP that every device runs.
/// </summary>
internal abstract class NetworkEncoder : IDisposable
{
    protected NetworkEncoder(ComputeDevice device) => Device = device;

    public ComputeDevice Device { get; }

    public abstract int OutputSize { get; }

    public abstract long FlopsPerFrame { get; }

    /// <summary>Grows the activations so steps of up to <paramref name="batch"/> rows allocate nothing.</summary>
    public abstract void EnsureCapacity(int batch);

    /// <summary>
    /// frames (batch, C, H, W) uint8 in host memory → features (batch, OutputSize) on the device. The first layer reads
    /// the frames in place on the CPU and uploads them on an accelerator.
    /// </summary>
    public abstract void Forward(ReadOnlySpan<byte> frames, DeviceView<float> features, int batch);

    /// <summary>observations (batch, C, H, W) or (batch, N) float in host memory, fed as they are → features.</summary>
    public abstract void Forward(ReadOnlySpan<float> observations, DeviceView<float> features, int batch);

    /// <summary>Releases the encoder's layers and activations on its device.</summary>
    public abstract void Dispose();

    public static NetworkEncoder Create(ComputeDevice device, ModelConfig config, Func<string, Tensor> tensor, float frameScale) => config.Encoder switch
    {
        EncoderKind.NatureCnn => new NatureCnnEncoder(device, config.Channels, config.Height, config.Width, tensor, frameScale),
        EncoderKind.Impala => new ImpalaEncoder(device, config.Channels, config.Height, config.Width, tensor, frameScale),
        _ => new MlpNetworkEncoder(device, config.Channels, config.MlpLayers, config.MlpActivation, tensor, frameScale),
    };
}

/// <summary>
/// The DQN "Nature" CNN as CleanRL and SB3 build it: conv 32×8×8/4, conv 64×4×4/2, conv 64×3×3/1 (ReLU each), flatten
/// in (C, H, W) order, linear, ReLU. Channels-last inside: the linear weight's columns are reordered once to match
/// PyTorch's flatten, and the frame scale, biases and ReLUs are fused into the convolutions.
/// </summary>
internal sealed class NatureCnnEncoder : NetworkEncoder
{
    private readonly ConvLayer _conv1;
    private readonly ConvLayer _conv2;
    private readonly ConvLayer _conv3;
    private readonly LinearLayer _linear;
    private DeviceBuffer<float>? _a1, _a2, _a3;
    private int _capacity;

    public NatureCnnEncoder(ComputeDevice device, int channels, int height, int width, Func<string, Tensor> tensor, float frameScale)
        : base(device)
    {
        if (channels <= 0 || height <= 0 || width <= 0)
        {
            throw new ArgumentException($"NatureCnn input {channels}x{height}x{width} must have positive sizes");
        }
        ConvGeometry g1, g2, g3;
        try
        {
            g1 = new ConvGeometry(channels, height, width, 32, 8, 8, 4);
            g2 = new ConvGeometry(32, g1.OutHeight, g1.OutWidth, 64, 4, 4, 2);
            g3 = new ConvGeometry(64, g2.OutHeight, g2.OutWidth, 64, 3, 3, 1);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"NatureCnn cannot take a {channels}x{height}x{width} input: {e.Message}", e);
        }
        _conv1 = Conv(tensor, "conv1", new ConvSpec(g1, Layout.Nchw, Fusion.ReluOutput, frameScale));
        _conv2 = Conv(tensor, "conv2", new ConvSpec(g2, Layout.Nhwc, Fusion.ReluOutput));
        _conv3 = Conv(tensor, "conv3", new ConvSpec(g3, Layout.Nhwc, Fusion.ReluOutput));
        int flat = g3.OutputSize;
        Tensor w = EncoderWeights.Require(tensor, "linear.weight", EncoderWeights.Any, flat);
        OutputSize = w.Dim(0);
        Tensor b = EncoderWeights.Require(tensor, "linear.bias", OutputSize);
        _linear = device.CreateLinear(flat, OutputSize, EncoderWeights.ColumnsToHwc(w.Span, OutputSize, 64, g3.OutHeight, g3.OutWidth), b.Span, Activation.ReLU);
        FlopsPerFrame = 2L * (Macs(g1) + Macs(g2) + Macs(g3) + (long)OutputSize * flat);
    }

    public override int OutputSize { get; }

    public override long FlopsPerFrame { get; }

    public override void EnsureCapacity(int batch)
    {
        if (batch <= _capacity)
        {
            return;
        }
        Device.Grow(ref _a1, batch * _conv1.Geometry.OutputSize);
        Device.Grow(ref _a2, batch * _conv2.Geometry.OutputSize);
        Device.Grow(ref _a3, batch * _conv3.Geometry.OutputSize);
        _capacity = batch;
    }

    public override void Forward(ReadOnlySpan<byte> frames, DeviceView<float> features, int batch)
    {
        EnsureCapacity(batch);
        _conv1.Forward(frames, _a1!, batch);
        Rest(features, batch);
    }

    public override void Forward(ReadOnlySpan<float> observations, DeviceView<float> features, int batch)
    {
        EnsureCapacity(batch);
        _conv1.Forward(observations, _a1!, batch);
        Rest(features, batch);
    }

    private void Rest(DeviceView<float> features, int batch)
    {
        _conv2.Forward(_a1!, _a2!, batch);
        _conv3.Forward(_a2!, _a3!, batch);
        _linear.Forward(_a3!, features, batch);
    }

    public override void Dispose()
    {
        _conv1.Dispose();
        _conv2.Dispose();
        _conv3.Dispose();
        _linear.Dispose();
        _a1?.Dispose();
        _a2?.Dispose();
        _a3?.Dispose();
    }

    private ConvLayer Conv(Func<string, Tensor> tensor, string name, ConvSpec spec)
    {
        ConvGeometry g = spec.Geometry;
        Tensor w = EncoderWeights.Require(tensor, name + ".weight", g.OutChannels, g.InChannels, g.KernelH, g.KernelW);
        Tensor b = EncoderWeights.Require(tensor, name + ".bias", g.OutChannels);
        return Device.CreateConv(spec, w.Span, b.Span);
    }

    private static long Macs(ConvGeometry g) => (long)g.OutHeight * g.OutWidth * g.OutChannels * g.InChannels * g.KernelH * g.KernelW;
}

/// <summary>
/// The IMPALA ResNet encoder as CleanRL's ppo_procgen builds it: three sequences of a 3×3 conv (padding 1), max-pool 3/2
/// (padding 1) and two residual blocks x + conv1(relu(conv0(relu(x)))); then flatten, ReLU, linear, ReLU. Channel
/// counts and the feature width come from the weights' shapes. Channels-last inside, with the residual ReLUs and
/// additions fused into the convolutions.
/// </summary>
internal sealed class ImpalaEncoder : NetworkEncoder
{
    private const int Sequences = 3;

    private readonly Stage[] _stages = new Stage[Sequences];
    private readonly MaxPoolLayer _pool;
    private readonly LinearLayer _linear;
    private readonly int _flat;
    private DeviceBuffer<float>? _a, _b, _t;
    private int _capacity;

    public ImpalaEncoder(ComputeDevice device, int channels, int height, int width, Func<string, Tensor> tensor, float frameScale)
        : base(device)
    {
        if (channels <= 0 || height <= 0 || width <= 0)
        {
            throw new ArgumentException($"ImpalaCnn input {channels}x{height}x{width} must have positive sizes");
        }
        _pool = device.CreateMaxPool2d(3, 2, 1);
        long macs = 0;
        int c = channels, h = height, w = width;
        for (int s = 0; s < Sequences; s++)
        {
            Tensor cw = EncoderWeights.Require(tensor, $"{s}.conv.weight", EncoderWeights.Any, c, 3, 3);
            int d = cw.Dim(0);
            var first = new ConvGeometry(c, h, w, d, 3, 3, 1, 1);
            var stage = new Stage
            {
                Channels = d,
                Height = h,
                Width = w,
                Conv = device.CreateConv(new ConvSpec(first, s == 0 ? Layout.Nchw : Layout.Nhwc, Fusion.None, frameScale), cw.Span, EncoderWeights.Require(tensor, $"{s}.conv.bias", d).Span),
                Res = new ConvLayer[4],
            };
            (stage.PooledHeight, stage.PooledWidth) = _pool.OutputSize(h, w);
            var res = new ConvGeometry(d, stage.PooledHeight, stage.PooledWidth, d, 3, 3, 1, 1);
            for (int r = 0; r < 4; r++)
            {
                string name = $"{s}.res_block{r / 2}.conv{r % 2}";
                Fusion fusion = r % 2 == 0 ? Fusion.ReluInput | Fusion.ReluOutput : Fusion.AddToOutput;
                stage.Res[r] = device.CreateConv(
                    new ConvSpec(res, Layout.Nhwc, fusion),
                    EncoderWeights.Require(tensor, name + ".weight", d, d, 3, 3).Span,
                    EncoderWeights.Require(tensor, name + ".bias", d).Span);
            }
            macs += (long)h * w * d * c * 9 + 4L * stage.PooledHeight * stage.PooledWidth * d * d * 9;
            _stages[s] = stage;
            (c, h, w) = (d, stage.PooledHeight, stage.PooledWidth);
        }
        _flat = c * h * w;
        Tensor lw = EncoderWeights.Require(tensor, "linear.weight", EncoderWeights.Any, _flat);
        OutputSize = lw.Dim(0);
        _linear = device.CreateLinear(_flat, OutputSize, EncoderWeights.ColumnsToHwc(lw.Span, OutputSize, c, h, w), EncoderWeights.Require(tensor, "linear.bias", OutputSize).Span, Activation.ReLU);
        FlopsPerFrame = 2 * (macs + (long)OutputSize * _flat);
    }

    public override int OutputSize { get; }

    public override long FlopsPerFrame { get; }

    public override void EnsureCapacity(int batch)
    {
        if (batch <= _capacity)
        {
            return;
        }
        int largest = 0;
        foreach (Stage st in _stages)
        {
            largest = Math.Max(largest, st.Channels * st.Height * st.Width);
        }
        Device.Grow(ref _a, batch * largest);
        Device.Grow(ref _b, batch * largest);
        Device.Grow(ref _t, batch * largest);
        _capacity = batch;
    }

    public override void Forward(ReadOnlySpan<byte> frames, DeviceView<float> features, int batch)
    {
        EnsureCapacity(batch);
        _stages[0].Conv.Forward(frames, _b!, batch);
        Run(features, batch);
    }

    public override void Forward(ReadOnlySpan<float> observations, DeviceView<float> features, int batch)
    {
        EnsureCapacity(batch);
        _stages[0].Conv.Forward(observations, _b!, batch);
        Run(features, batch);
    }

    public override void Dispose()
    {
        foreach (Stage st in _stages)
        {
            st.Conv.Dispose();
            foreach (ConvLayer r in st.Res)
            {
                r.Dispose();
            }
        }
        _pool.Dispose();
        _linear.Dispose();
        _a?.Dispose();
        _b?.Dispose();
        _t?.Dispose();
    }

    // _b holds the first conv's output; per stage: _b = conv(x); _a = pool(_b); twice: _t = relu(conv0(relu(_a))), _a += conv1(_t).
    private void Run(DeviceView<float> features, int batch)
    {
        for (int s = 0; s < _stages.Length; s++)
        {
            Stage st = _stages[s];
            if (s > 0)
            {
                st.Conv.Forward(_a!, _b!, batch);
            }
            _pool.Forward(_b!, _a!, batch, st.Channels, st.Height, st.Width);
            for (int r = 0; r < 4; r += 2)
            {
                st.Res[r].Forward(_a!, _t!, batch);
                st.Res[r + 1].Forward(_t!, _a!, batch);
            }
        }
        DeviceView<float> flat = _a!.Slice(0, batch * _flat);
        Device.Activate(flat, Activation.ReLU);
        _linear.Forward(flat, features, batch);
    }

    private sealed class Stage
    {
        public int Channels;
        public int Height;
        public int Width;
        public int PooledHeight;
        public int PooledWidth;
        public required ConvLayer Conv;
        public required ConvLayer[] Res;
    }
}

/// <summary>
/// An MLP encoder (SB3's MlpExtractor policy net / CleanRL's vector agents): fc{i} linear layers, each followed by the
/// activation; no layers passes the observation through. uint8 input is scaled by the frame scale on the host first.
/// </summary>
internal sealed class MlpNetworkEncoder : NetworkEncoder
{
    private readonly LinearLayer[] _layers;
    private readonly int _inputs;
    private readonly float _frameScale;
    private DeviceBuffer<float>? _a, _b;
    private float[] _scaled = [];
    private int _capacity;

    public MlpNetworkEncoder(ComputeDevice device, int inputs, IReadOnlyList<int> layers, Activation activation, Func<string, Tensor> tensor, float frameScale)
        : base(device)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        _inputs = inputs;
        _frameScale = frameScale;
        _layers = new LinearLayer[layers.Count];
        int width = inputs;
        long macs = 0;
        for (int i = 0; i < layers.Count; i++)
        {
            Tensor w = tensor($"fc{i}.weight");
            Tensor b = tensor($"fc{i}.bias");
            if (!w.Shape.SequenceEqual([layers[i], width]) || !b.Shape.SequenceEqual([layers[i]]))
            {
                throw new ArgumentException($"tensor 'fc{i}.weight' {w.ShapeString} / 'fc{i}.bias' {b.ShapeString}, expected ({layers[i]}, {width}) / ({layers[i]})");
            }
            _layers[i] = device.CreateLinear(width, layers[i], w.Span, b.Span, activation);
            macs += (long)width * layers[i];
            width = layers[i];
        }
        OutputSize = width;
        FlopsPerFrame = 2 * macs;
    }

    public override int OutputSize { get; }

    public override long FlopsPerFrame { get; }

    public override void EnsureCapacity(int batch)
    {
        if (batch <= _capacity)
        {
            return;
        }
        int widest = _inputs;
        foreach (LinearLayer l in _layers)
        {
            widest = Math.Max(widest, l.OutFeatures);
        }
        Device.Grow(ref _a, batch * widest);
        Device.Grow(ref _b, batch * widest);
        _scaled = new float[batch * _inputs];
        _capacity = batch;
    }

    public override void Forward(ReadOnlySpan<byte> frames, DeviceView<float> features, int batch)
    {
        EnsureCapacity(batch);
        Span<float> scaled = _scaled.AsSpan(0, batch * _inputs);
        ReadOnlySpan<byte> pixels = frames[..scaled.Length];
        for (int i = 0; i < scaled.Length; i++)
        {
            scaled[i] = pixels[i] * _frameScale;
        }
        Forward(scaled, features, batch);
    }

    public override void Forward(ReadOnlySpan<float> observations, DeviceView<float> features, int batch)
    {
        EnsureCapacity(batch);
        ReadOnlySpan<float> x = observations[..(batch * _inputs)];
        if (_layers.Length == 0)
        {
            features.Buffer.Write(x, features.Offset);
            return;
        }
        // Layer i writes features when last, else alternates between the two buffers.
        _layers[0].Forward(x, _layers.Length == 1 ? features : _a!, batch);
        DeviceView<float> h = _a!;
        for (int i = 1; i < _layers.Length; i++)
        {
            DeviceView<float> y = i == _layers.Length - 1 ? features : (i % 2 == 1 ? _b! : _a!);
            _layers[i].Forward(h, y, batch);
            h = y;
        }
    }

    public override void Dispose()
    {
        foreach (LinearLayer l in _layers)
        {
            l.Dispose();
        }
        _a?.Dispose();
        _b?.Dispose();
    }
}
