using AgentRnn.Core;
using AgentRnn.Core.Kernels;
using AgentRnn.Host.Network;

namespace AgentRnn.Tests.Vision.Encoders;

/// <summary>
/// The IMPALA ResNet encoder as CleanRL's ppo_procgen builds it: three conv sequences, each a 3×3 conv (padding 1),
/// max-pool 3 stride 2 padding 1, and two residual blocks x + conv1(relu(conv0(relu(x)))); then flatten, ReLU,
/// linear, ReLU. Channel counts (16, 32, 32 normally) and the feature width (256 normally) come from the weights' shapes.
/// Any C×H×W input; each sequence maps h×w to ⌈h/2⌉×⌈w/2⌉. Runs channels-last inside (the linear weight's columns
/// are reordered once to match PyTorch's flatten), with the 1/255 frame scale, biases, the residual blocks' ReLUs and
/// their additions fused into the convolutions.
/// Thread-safety: one thread runs a given instance at a time (its scratch memory is per instance, grown once for the
/// largest batch seen);
/// distinct instances may run concurrently.
/// </summary>
public sealed class ImpalaCnn : Encoder
{
    private const int Sequences = 3;
    private static readonly MaxPool2d Pool = new(3, 2, 1);

    private readonly Stage[] _stages = new Stage[Sequences];
    private readonly Linear _linear;
    private readonly int _flat;
    private float[] _a = [];
    private float[] _b = [];
    private float[] _t = [];
    private float[] _scratch = [];
    private int _capacity;

    /// <summary>
    /// Builds the encoder for channels×height×width inputs. <paramref name="tensor"/> returns each weight by its name,
    /// for s = 0, 1, 2: "{s}.conv.weight" (D, Cin, 3, 3), "{s}.conv.bias" (D), and
    /// "{s}.res_block{r}.conv{i}.weight" (D, D, 3, 3) / ".bias" (D) for r, i ∈ {0, 1};
    /// then "linear.weight" (F, D₂·h₃·w₃) and "linear.bias" (F).
    /// Throws <see cref="ArgumentException"/> naming the tensor when a shape differs.
    /// </summary>
    public ImpalaCnn(int channels, int height, int width, Func<string, Tensor> tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (channels <= 0 || height <= 0 || width <= 0)
        {
            throw new ArgumentException($"ImpalaCnn input {channels}x{height}x{width} must have positive sizes");
        }
        InputChannels = channels;
        InputHeight = height;
        InputWidth = width;
        int c = channels, h = height, w = width;
        for (int s = 0; s < Sequences; s++)
        {
            Tensor cw = EncoderWeights.Require(tensor, $"{s}.conv.weight", EncoderWeights.Any, c, 3, 3);
            int d = cw.Dim(0);
            var stage = new Stage
            {
                Channels = d,
                Height = h,
                Width = w,
                Conv = Conv(cw, EncoderWeights.Require(tensor, $"{s}.conv.bias", d), c, d),
                Res = new Conv2d[4],
            };
            for (int r = 0; r < 4; r++)
            {
                string name = $"{s}.res_block{r / 2}.conv{r % 2}";
                stage.Res[r] = Conv(
                    EncoderWeights.Require(tensor, name + ".weight", d, d, 3, 3),
                    EncoderWeights.Require(tensor, name + ".bias", d),
                    d,
                    d);
            }
            (stage.PooledHeight, stage.PooledWidth) = Pool.OutputSize(h, w);
            _stages[s] = stage;
            (c, h, w) = (d, stage.PooledHeight, stage.PooledWidth);
        }
        _flat = c * h * w;
        Tensor lw = EncoderWeights.Require(tensor, "linear.weight", EncoderWeights.Any, _flat);
        OutputSize = lw.Dim(0);
        _linear = new Linear(EncoderWeights.ColumnsToHwc(lw.Span, OutputSize, c, h, w), EncoderWeights.Require(tensor, "linear.bias", OutputSize).Span, OutputSize, _flat);
    }

    /// <inheritdoc />
    public override int InputChannels { get; }

    /// <inheritdoc />
    public override int InputHeight { get; }

    /// <inheritdoc />
    public override int InputWidth { get; }

    /// <inheritdoc />
    public override int OutputSize { get; }

    /// <inheritdoc />
    public override long FlopsPerFrame
    {
        get
        {
            long macs = (long)_linear.OutFeatures * _linear.InFeatures;
            foreach (Stage st in _stages)
            {
                macs += (long)st.Height * st.Width * st.Channels * st.Conv.PatchSize;
                macs += 4L * st.PooledHeight * st.PooledWidth * st.Channels * st.Res[0].PatchSize;
            }
            return 2 * macs;
        }
    }

    /// <inheritdoc />
    public override void Forward(ReadOnlySpan<float> input, Span<float> features, int batch)
    {
        CheckSpans(input.Length, features.Length, batch);
        EnsureCapacity(batch);
        Stage first = _stages[0];
        first.Conv.ForwardNhwc(input, Layout.Nchw, _b, batch, first.Height, first.Width, Fusion.None, _scratch);
        Run(features, batch);
    }

    /// <inheritdoc />
    public override void Forward(ReadOnlySpan<byte> frames, Span<float> features, int batch)
    {
        CheckSpans(frames.Length, features.Length, batch);
        EnsureCapacity(batch);
        Stage first = _stages[0];
        first.Conv.ForwardNhwc(frames, _b, batch, first.Height, first.Width, Fusion.None, _scratch);
        Run(features, batch);
    }

    // _b holds the first conv's output (batch, H, W, D₀) NHWC; features is (batch, OutputSize).
    // Per stage: _b = conv(x); _a = pool(_b); twice: _t = relu(conv0(relu(_a))), _a += conv1(_t).
    private void Run(Span<float> features, int batch)
    {
        for (int s = 0; s < _stages.Length; s++)
        {
            Stage st = _stages[s];
            if (s > 0)
            {
                st.Conv.ForwardNhwc(_a, Layout.Nhwc, _b, batch, st.Height, st.Width, Fusion.None, _scratch);
            }
            Pool.ForwardNhwc(_b, _a, batch, st.Channels, st.Height, st.Width);
            for (int r = 0; r < 4; r += 2)
            {
                st.Res[r].ForwardNhwc(_a, Layout.Nhwc, _t, batch, st.PooledHeight, st.PooledWidth, Fusion.ReluInput | Fusion.ReluOutput, _scratch);
                st.Res[r + 1].ForwardNhwc(_t, Layout.Nhwc, _a, batch, st.PooledHeight, st.PooledWidth, Fusion.AddToOutput, _scratch);
            }
        }
        Span<float> flat = _a.AsSpan(0, batch * _flat);
        Activations.Relu(flat, flat);
        _linear.Forward(flat, features, batch, Activation.ReLU);
    }

    private void CheckSpans(int inputLength, int featureLength, int batch)
    {
        if (batch < 0 || inputLength < (long)batch * InputSize || featureLength < (long)batch * OutputSize)
        {
            throw new ArgumentException($"ImpalaCnn at batch {batch}: input has {inputLength} elements (needs {(long)batch * InputSize}), features {featureLength} floats (needs {(long)batch * OutputSize})");
        }
    }

    private void EnsureCapacity(int batch)
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
        _a = new float[batch * largest];
        _b = new float[batch * largest];
        _t = new float[batch * largest];
        int scratch = 0;
        foreach (Stage st in _stages)
        {
            scratch = Math.Max(scratch, st.Conv.ScratchSize(batch, st.Height, st.Width));
            scratch = Math.Max(scratch, st.Res[0].ScratchSize(batch, st.PooledHeight, st.PooledWidth));
        }
        _scratch = new float[scratch];
        _capacity = batch;
    }

    private static Conv2d Conv(Tensor weight, Tensor bias, int inChannels, int outChannels) =>
        new(weight.Span, bias.Span, inChannels, outChannels, 3, 3, 1, 1);

    private sealed class Stage
    {
        public int Channels;
        public int Height;
        public int Width;
        public int PooledHeight;
        public int PooledWidth;
        public required Conv2d Conv;
        public required Conv2d[] Res;
    }
}
