using Agent.Core;
using Agent.Core.Kernels;

namespace Agent.Vision.Encoders;

/// <summary>
/// The IMPALA ResNet encoder as CleanRL's ppo_procgen builds it: three conv sequences, each a 3×3 conv (padding 1),
/// max-pool 3 stride 2 padding 1, and two residual blocks x + conv1(relu(conv0(relu(x)))); then flatten, ReLU,
/// linear, ReLU. Channel counts (16, 32, 32 normally) and the feature width (256 normally) come from the weights' shapes.
/// Any C×H×W input; each sequence maps h×w to ⌈h/2⌉×⌈w/2⌉.
/// Thread-safety: one thread runs a given instance at a time (its scratch memory is per instance);
/// distinct instances may run concurrently.
/// </summary>
public sealed class ImpalaCnn : Encoder
{
    private const int Sequences = 3;
    private static readonly MaxPool2d Pool = new(3, 2, 1);

    private readonly Stage[] _stages = new Stage[Sequences];
    private readonly Linear _linear;
    private readonly int _flat;
    private float[] _input = [];
    private float[] _a = [];
    private float[] _b = [];
    private float[] _t = [];
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
        _linear = new Linear(lw.Span, EncoderWeights.Require(tensor, "linear.bias", OutputSize).Span, OutputSize, _flat);
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
    public override void Forward(ReadOnlySpan<float> input, Span<float> features, int batch)
    {
        CheckSpans(input.Length, features.Length, batch);
        EnsureCapacity(batch);
        Run(input, features, batch);
    }

    /// <inheritdoc />
    public override void Forward(ReadOnlySpan<byte> frames, Span<float> features, int batch)
    {
        CheckSpans(frames.Length, features.Length, batch);
        EnsureCapacity(batch);
        Span<float> x = _input.AsSpan(0, batch * InputSize);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = frames[i] / 255f;
        }
        Run(x, features, batch);
    }

    // x is (batch, C, H, W); features is (batch, OutputSize). _a holds the running activation, _b and _t the temporaries.
    private void Run(ReadOnlySpan<float> x, Span<float> features, int batch)
    {
        ReadOnlySpan<float> source = x;
        foreach (Stage st in _stages)
        {
            int pooled = batch * st.Channels * st.PooledHeight * st.PooledWidth;
            st.Conv.Forward(source, _b, batch, st.Height, st.Width);
            Pool.Forward(_b, _a, batch, st.Channels, st.Height, st.Width);
            Span<float> a = _a.AsSpan(0, pooled);
            Span<float> t = _t.AsSpan(0, pooled);
            Span<float> u = _b.AsSpan(0, pooled);
            for (int r = 0; r < 4; r += 2)
            {
                Activations.Relu(a, t);
                st.Res[r].Forward(t, u, batch, st.PooledHeight, st.PooledWidth, Activation.ReLU);
                st.Res[r + 1].Forward(u, t, batch, st.PooledHeight, st.PooledWidth);
                System.Numerics.Tensors.TensorPrimitives.Add(a, t, a);
            }
            source = a;
        }
        Activations.Relu(_a.AsSpan(0, batch * _flat), _t);
        _linear.Forward(_t, features, batch, Activation.ReLU);
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
        _input = new float[batch * InputSize];
        _a = new float[batch * largest];
        _b = new float[batch * largest];
        _t = new float[batch * largest];
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
