using Agent.Core;
using Agent.Core.Kernels;
using Agent.Core.SafeTensors;
using Agent.Core.Spaces;
using Agent.Memory;
using Agent.Vision;
using Agent.Vision.Encoders;

namespace Agent.Host.Env;

/// <summary>
/// The recurrent policy `agent run` builds for an env's spaces: an encoder, an LSTM with one state per env, and an
/// action head. Image observations (uint8 Box (H, W, C) or (C, H, W), C ∈ {1, 3, 4}) go through OpenCV preprocessing
/// (gray, 84×84 INTER_AREA, stack of 4, oldest first) and the Nature CNN; any other Box is flattened into a 64-64 tanh
/// MLP. Discrete actions get a categorical head, MultiDiscrete one categorical per element, Box a Gaussian whose mean
/// is clipped to the bounds.
/// </summary>
/// <remarks>
/// Tensor names (a safetensors file given to <see cref="Load"/>, or what <see cref="CreateDefault"/> initializes):
/// image encoder "encoder.conv{1,2,3}.{weight,bias}", "encoder.linear.{weight,bias}" (Nature CNN, 512 features);
/// vector encoder "encoder.fc1.weight" (64, in), "encoder.fc2.weight" (64, 64) and biases; "lstm.weight_ih_l0",
/// "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0" (nn.LSTM, hidden 128); "actor.weight" (A, 128),
/// "actor.bias" (A) where A = n, sum(nvec) or the Box's element count; "log_std" (A) for Box actions.
/// This is the adapter point for the model-zoo PolicyModel (Agent.Host/Models): anything implementing
/// <see cref="IAgentPolicy"/> plugs into <see cref="EpisodeRunner"/> the same way.
/// Thread-safety: one thread acts at a time. <see cref="Act"/> allocates nothing once built.
/// </remarks>
public sealed class RecurrentEnvPolicy : IAgentPolicy, IDisposable
{
    /// <summary>Width of the LSTM's hidden state.</summary>
    public const int HiddenSize = 128;

    private const int MlpWidth = 64;
    private const int Stack = 4;
    private const int ImageSize = 84;

    private readonly EnvSpec _spec;
    private readonly bool _deterministic;
    private readonly Random _random;
    private readonly Encoder? _cnn;
    private readonly FramePreprocessor[] _preprocessors = [];
    private readonly (int H, int W, int C, bool ChannelsFirst) _image;
    private readonly Linear? _fc1;
    private readonly Linear? _fc2;
    private readonly RecurrentCore _lstm;
    private readonly Linear _actor;
    private readonly float[] _logStd;
    private readonly int _features;
    private readonly int _obsCount;
    private readonly byte[] _frames = [];      // (N, 4, 84, 84) stacked observations for the CNN
    private readonly byte[] _hwc = [];         // one (H, W, C) frame transposed from (C, H, W)
    private readonly float[] _input = [];      // (N, in) flattened vector observations
    private readonly float[] _hidden1 = [];    // (N, 64)
    private readonly float[] _encoded;         // (N, features)
    private readonly float[] _state;           // (N, lstm.StateSize)
    private readonly float[] _latent;          // (N, 128)
    private readonly float[] _head;            // (N, A)

    private RecurrentEnvPolicy(EnvSpec spec, Func<string, Tensor> tensor, bool deterministic, int seed)
    {
        _spec = spec;
        _deterministic = deterministic;
        _random = new Random(seed);
        int n = spec.NumEnvs;
        if (spec.ObservationSpace is not Box obs)
        {
            throw new AgentException($"agent run builds models for Box observations; this env observes {spec.ObservationSpace}");
        }
        _obsCount = obs.ElementCount;
        if (ImageLayout(obs) is { } image)
        {
            _image = image;
            PixelFormat format = image.C switch { 1 => PixelFormat.Gray, 3 => PixelFormat.Rgb, _ => PixelFormat.Rgba };
            var options = new PreprocessOptions { Grayscale = true, Height = ImageSize, Width = ImageSize, FrameSkip = 1, MaxPoolLastTwo = false, Stack = Stack };
            _preprocessors = Enumerable.Range(0, n).Select(_ => new FramePreprocessor(image.W, image.H, format, options)).ToArray();
            _cnn = new NatureCnn(Stack, ImageSize, ImageSize, name => tensor("encoder." + name));
            _features = _cnn.OutputSize;
            _frames = new byte[n * Stack * ImageSize * ImageSize];
            _hwc = image.ChannelsFirst && image.C > 1 ? new byte[obs.ElementCount] : [];
        }
        else
        {
            _fc1 = Dense(tensor, "encoder.fc1", MlpWidth, _obsCount);
            _fc2 = Dense(tensor, "encoder.fc2", MlpWidth, MlpWidth);
            _features = MlpWidth;
            _input = new float[n * _obsCount];
            _hidden1 = new float[n * MlpWidth];
        }
        _lstm = new Lstm(_features, HiddenSize, 1, name => tensor("lstm." + name));
        int actions = ActionWidth(spec.ActionSpace);
        _actor = Dense(tensor, "actor", actions, HiddenSize);
        _logStd = spec.ActionSpace is Box ? Require(tensor, "log_std", actions).Data.ToArray() : [];
        _encoded = new float[n * _features];
        _state = new float[n * _lstm.StateSize];
        _latent = new float[n * HiddenSize];
        _head = new float[n * actions];
        _lstm.EnsureCapacity(n);
    }

    /// <summary>Whether actions are the head's mode (argmax / mean) rather than samples.</summary>
    public bool Deterministic => _deterministic;

    /// <summary>
    /// A freshly initialized model for the env's spaces: PyTorch's default init (uniform ±1/√fan_in) from
    /// <paramref name="seed"/>, log_std 0.
    /// </summary>
    public static RecurrentEnvPolicy CreateDefault(EnvSpec spec, bool deterministic, int seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var init = new Random(seed);
        var made = new Dictionary<string, Tensor>();
        Tensor Make(string name)
        {
            var t = new Tensor(DefaultShape(spec, name));
            if (name != "log_std")
            {
                double bound = 1 / Math.Sqrt(FanIn(spec, name));
                for (int i = 0; i < t.Length; i++)
                {
                    t.Data[i] = (float)((init.NextDouble() * 2 - 1) * bound);
                }
            }
            return made[name] = t;
        }
        return new RecurrentEnvPolicy(spec, name => made.TryGetValue(name, out Tensor? t) ? t : Make(name), deterministic, seed);
    }

    // nn.Linear and nn.Conv2d draw weight and bias from ±1/√fan_in of the weight; nn.LSTM uses ±1/√hidden for all.
    private static int FanIn(EnvSpec spec, string name)
    {
        if (name.StartsWith("lstm.", StringComparison.Ordinal))
        {
            return HiddenSize;
        }
        string weight = name.EndsWith(".bias", StringComparison.Ordinal) ? name[..^5] + ".weight" : name;
        return Math.Max(1, DefaultShape(spec, weight).Skip(1).Aggregate(1, (a, b) => a * b));
    }

    /// <summary>Loads the model's tensors from a safetensors file (names in the remarks); a missing or misshapen tensor is an <see cref="AgentException"/>.</summary>
    public static RecurrentEnvPolicy Load(string path, EnvSpec spec, bool deterministic, int seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        try
        {
            return new RecurrentEnvPolicy(spec, name => file.Contains(name)
                ? file.ReadTensor(name)
                : throw new AgentException($"model {path} has no tensor '{name}' (needed for {spec.ObservationSpace} → {spec.ActionSpace})"), deterministic, seed);
        }
        catch (ArgumentException e)
        {
            throw new AgentException($"model {path} does not fit {spec.ObservationSpace} → {spec.ActionSpace}: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public void Act(SpaceBatch observations, ReadOnlySpan<bool> episodeStarts, SpaceBatch actions)
    {
        int n = observations.Batch;
        TensorBuffer obs = observations.Single;
        int stateSize = _lstm.StateSize;
        for (int i = 0; i < n; i++)
        {
            if (episodeStarts[i])
            {
                // PyTorch's contract: state · (1 − episode_start) before the step.
                _state.AsSpan(i * stateSize, stateSize).Clear();
                if (_preprocessors.Length > 0)
                {
                    _preprocessors[i].Reset();
                }
            }
        }
        Encode(obs, n);
        _lstm.Step(_encoded.AsSpan(0, n * _features), _state.AsSpan(0, n * stateSize), _latent.AsSpan(0, n * HiddenSize), n);
        _actor.Forward(_latent.AsSpan(0, n * HiddenSize), _head, n);
        WriteActions(actions, n);
    }

    private void Encode(TensorBuffer obs, int n)
    {
        if (_cnn is not null)
        {
            int frame = Stack * ImageSize * ImageSize;
            for (int i = 0; i < n; i++)
            {
                ReadOnlySpan<byte> raw = obs.RowBytes(i);
                if (_hwc.Length > 0)
                {
                    ToChannelsLast(raw, _hwc, _image.C, _image.H * _image.W);
                    raw = _hwc;
                }
                _preprocessors[i].Push(raw);
                _preprocessors[i].Observation.CopyTo(_frames.AsSpan(i * frame, frame));
            }
            _cnn.Forward(_frames.AsSpan(0, n * frame), _encoded.AsSpan(0, n * _features), n);
            return;
        }
        for (int i = 0; i < n; i++)
        {
            Span<float> row = _input.AsSpan(i * _obsCount, _obsCount);
            for (int k = 0; k < _obsCount; k++)
            {
                row[k] = obs.GetFloat(i, k);
            }
        }
        _fc1!.Forward(_input.AsSpan(0, n * _obsCount), _hidden1, n, Activation.Tanh);
        _fc2!.Forward(_hidden1.AsSpan(0, n * MlpWidth), _encoded, n, Activation.Tanh);
    }

    // source is (C, H·W); destination is (H·W, C).
    private static void ToChannelsLast(ReadOnlySpan<byte> source, Span<byte> destination, int channels, int pixels)
    {
        for (int c = 0; c < channels; c++)
        {
            for (int p = 0; p < pixels; p++)
            {
                destination[p * channels + c] = source[c * pixels + p];
            }
        }
    }

    private void WriteActions(SpaceBatch actions, int n)
    {
        TensorBuffer output = actions.Single;
        int width = _actor.OutFeatures;
        for (int i = 0; i < n; i++)
        {
            ReadOnlySpan<float> head = _head.AsSpan(i * width, width);
            switch (_spec.ActionSpace)
            {
                case Discrete d:
                    output.SetInt64(i, 0, d.Start + Choose(head));
                    break;
                case MultiDiscrete m:
                    int offset = 0;
                    for (int e = 0; e < m.ElementCount; e++)
                    {
                        int k = (int)m.Nvec[e];
                        output.SetInt64(i, e, m.Start[e] + Choose(head.Slice(offset, k)));
                        offset += k;
                    }
                    break;
                case Box box:
                    for (int e = 0; e < box.ElementCount; e++)
                    {
                        double value = head[e] + (_deterministic ? 0 : Math.Exp(_logStd[e]) * Gaussian());
                        output.SetFloat(i, e, Math.Clamp(value, box.LowAt(e), box.HighAt(e)));
                    }
                    break;
            }
        }
    }

    private int Choose(ReadOnlySpan<float> logits)
    {
        int best = 0;
        float max = logits[0];
        for (int k = 1; k < logits.Length; k++)
        {
            if (logits[k] > max)
            {
                max = logits[k];
                best = k;
            }
        }
        if (_deterministic)
        {
            return best;
        }
        double total = 0;
        foreach (float l in logits)
        {
            total += Math.Exp(l - max);
        }
        double u = _random.NextDouble() * total;
        for (int k = 0; k < logits.Length; k++)
        {
            u -= Math.Exp(logits[k] - max);
            if (u <= 0)
            {
                return k;
            }
        }
        return logits.Length - 1;
    }

    private double Gaussian() =>
        Math.Sqrt(-2 * Math.Log(1 - _random.NextDouble())) * Math.Cos(2 * Math.PI * _random.NextDouble());

    private static (int H, int W, int C, bool ChannelsFirst)? ImageLayout(Box box)
    {
        if (box.DType != DType.UInt8 || box.Shape.Length != 3)
        {
            return null;
        }
        ReadOnlySpan<int> s = box.Shape;
        if (s[2] is 1 or 3 or 4 && s[0] > 4)
        {
            return (s[0], s[1], s[2], false);
        }
        if (s[0] is 1 or 3 or 4)
        {
            return (s[1], s[2], s[0], true);
        }
        return null;
    }

    private static int ActionWidth(Space space) => space switch
    {
        Discrete d when d.N <= int.MaxValue / 2 => (int)d.N,
        MultiDiscrete m when m.Nvec.ToArray().Sum() <= int.MaxValue / 2 => (int)m.Nvec.ToArray().Sum(),
        Box b => b.ElementCount,
        _ => throw new AgentException($"agent run builds models for Discrete, MultiDiscrete or Box actions; this env acts in {space}"),
    };

    private static int[] DefaultShape(EnvSpec spec, string name)
    {
        var obs = (Box)spec.ObservationSpace;
        int actions = ActionWidth(spec.ActionSpace);
        return name switch
        {
            "encoder.fc1.weight" => [MlpWidth, obs.ElementCount],
            "encoder.fc1.bias" or "encoder.fc2.bias" => [MlpWidth],
            "encoder.fc2.weight" => [MlpWidth, MlpWidth],
            "encoder.conv1.weight" => [32, Stack, 8, 8],
            "encoder.conv1.bias" => [32],
            "encoder.conv2.weight" => [64, 32, 4, 4],
            "encoder.conv2.bias" or "encoder.conv3.bias" => [64],
            "encoder.conv3.weight" => [64, 64, 3, 3],
            "encoder.linear.weight" => [512, 64 * 7 * 7],
            "encoder.linear.bias" => [512],
            "lstm.weight_ih_l0" => [4 * HiddenSize, ImageLayout(obs) is not null ? 512 : MlpWidth],
            "lstm.weight_hh_l0" => [4 * HiddenSize, HiddenSize],
            "lstm.bias_ih_l0" or "lstm.bias_hh_l0" => [4 * HiddenSize],
            "actor.weight" => [actions, HiddenSize],
            "actor.bias" or "log_std" => [actions],
            _ => throw new InvalidOperationException($"no default shape for '{name}'"),
        };
    }

    private static Linear Dense(Func<string, Tensor> tensor, string name, int outFeatures, int inFeatures)
    {
        Tensor w = Require(tensor, name + ".weight", outFeatures, inFeatures);
        Tensor b = Require(tensor, name + ".bias", outFeatures);
        return new Linear(w.Span, b.Span, outFeatures, inFeatures);
    }

    private static Tensor Require(Func<string, Tensor> tensor, string name, params int[] shape)
    {
        Tensor t = tensor(name);
        if (!t.Shape.SequenceEqual(shape))
        {
            throw new AgentException($"tensor '{name}' has shape {t.ShapeString}, expected {Tensor.FormatShape(shape)}");
        }
        return t;
    }

    /// <summary>Releases the native preprocessors.</summary>
    public void Dispose()
    {
        foreach (FramePreprocessor p in _preprocessors)
        {
            p.Dispose();
        }
    }
}
