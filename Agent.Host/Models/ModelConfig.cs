using AgentRnn.Core.Kernels;
using AgentRnn.Memory;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Host.Models;

/// <summary>
/// A policy model's architecture and preprocessing: encoder → recurrent memory (plus an optional separate critic
/// memory, as SB3's lstm_critic) → actor head and critic value. Stored as JSON in a model file's
/// <c>__metadata__["agent.config"]</c> (docs/MODEL_FORMAT.md); <see cref="Parameters"/> lists every tensor it needs.
/// </summary>
public sealed partial record ModelConfig
{
    /// <summary>The largest size any dimension of the config may take.</summary>
    public const int MaxDimension = 1 << 16;

    /// <summary>The most recurrent layers a config may stack.</summary>
    public const int MaxLayers = 64;

    /// <summary>The checkpoint layout the model was loaded from (<see cref="PolicyModel.Save"/> always writes ours).</summary>
    public ModelLayout Layout { get; init; } = ModelLayout.Ours;

    /// <summary>The encoder network.</summary>
    public EncoderKind Encoder { get; init; } = EncoderKind.NatureCnn;

    /// <summary>Encoder input channels (the frame-stack depth for gray frames); for <see cref="EncoderKind.Mlp"/> the observation length.</summary>
    public int Channels { get; init; } = 4;

    /// <summary>Encoder input height (1 for <see cref="EncoderKind.Mlp"/>).</summary>
    public int Height { get; init; } = 84;

    /// <summary>Encoder input width (1 for <see cref="EncoderKind.Mlp"/>).</summary>
    public int Width { get; init; } = 84;

    /// <summary>Width of the CNN's final linear layer (512 for NatureCNN, 256 for IMPALA); ignored for MLPs.</summary>
    public int FeatureSize { get; init; } = 512;

    /// <summary>IMPALA's channels per conv sequence.</summary>
    public IReadOnlyList<int> ImpalaChannels { get; init; } = [16, 32, 32];

    /// <summary>MLP hidden widths (SB3's MlpLstmPolicy uses 64, 64); empty passes observations through.</summary>
    public IReadOnlyList<int> MlpLayers { get; init; } = [64, 64];

    /// <summary>MLP activation after every layer (Tanh or ReLU).</summary>
    public Activation MlpActivation { get; init; } = Activation.Tanh;

    /// <summary>Frame preprocessing for image encoders; null for vector observations.</summary>
    public PreprocessConfig? Preprocess { get; init; } = PreprocessConfig.Atari(4);

    /// <summary>The recurrent cell.</summary>
    public CellKind Cell { get; init; } = CellKind.Lstm;

    /// <summary>Width of h.</summary>
    public int HiddenSize { get; init; } = 256;

    /// <summary>Stacked recurrent layers.</summary>
    public int Layers { get; init; } = 1;

    /// <summary>Whether the critic has its own recurrent core on the same features (SB3's enable_critic_lstm); else it reads the actor's.</summary>
    public bool CriticMemory { get; init; }

    /// <summary>The action space the actor head serves.</summary>
    public ActionSpec Action { get; init; } = ActionSpec.Discrete(6);

    /// <summary>The benchmark's default: NatureCNN on 4×84×84 → 512, one LSTM 512→256, 6 discrete actions and a critic.</summary>
    public static ModelConfig Default => new();

    /// <summary>
    /// A model for vector observations of <paramref name="observationSize"/> floats: an MLP encoder (Tanh, 64, 64 by
    /// default), a <paramref name="cell"/> memory of <paramref name="hiddenSize"/>, the given action head and a critic.
    /// </summary>
    public static ModelConfig ForVectors(int observationSize, ActionSpec action, IReadOnlyList<int>? layers = null, CellKind cell = CellKind.Lstm, int hiddenSize = 256) => new()
    {
        Encoder = EncoderKind.Mlp,
        Channels = observationSize,
        Height = 1,
        Width = 1,
        MlpLayers = layers ?? [64, 64],
        Preprocess = null,
        Cell = cell,
        HiddenSize = hiddenSize,
        Action = action,
    };

    /// <summary>A NatureCNN (or IMPALA) model for frames prepared by <paramref name="preprocess"/>.</summary>
    public static ModelConfig ForFrames(PreprocessConfig preprocess, ActionSpec action, EncoderKind encoder = EncoderKind.NatureCnn, CellKind cell = CellKind.Lstm, int hiddenSize = 256) => new()
    {
        Encoder = encoder,
        Channels = preprocess.Channels,
        Height = preprocess.Height,
        Width = preprocess.Width,
        FeatureSize = encoder == EncoderKind.Impala ? 256 : 512,
        Preprocess = preprocess,
        Cell = cell,
        HiddenSize = hiddenSize,
        Action = action,
    };

    /// <summary>Floats in one observation (C·H·W).</summary>
    public int InputSize => Channels * Height * Width;

    /// <summary>Width of the encoder's feature rows (the memory's input).</summary>
    public int EncoderOutputSize => Encoder == EncoderKind.Mlp ? (MlpLayers.Count > 0 ? MlpLayers[^1] : Channels) : FeatureSize;

    /// <summary>Floats of one recurrent core's state per stream.</summary>
    public int CoreStateSize => Layers * HiddenSize * (Cell == CellKind.Lstm ? 2 : 1);

    /// <summary>Floats of state per stream: the actor core's, then the critic core's when <see cref="CriticMemory"/>.</summary>
    public int StateSize => CoreStateSize * (CriticMemory ? 2 : 1);

    /// <summary>Checks every size; throws a <see cref="ModelFormatException"/> starting with <paramref name="where"/>.</summary>
    public void Validate(string where = "model config")
    {
        void Fail(string what) => throw new ModelFormatException($"{where}: {what}");
        ArgumentNullException.ThrowIfNull(Action);
        int[] sizes = [Channels, Height, Width, FeatureSize, HiddenSize, Layers, .. MlpLayers, .. ImpalaChannels, .. Action.Sizes];
        if (sizes.Any(s => s > MaxDimension) || Layers > MaxLayers)
        {
            Fail($"a size is larger than {MaxDimension} or more than {MaxLayers} layers are asked for");
        }
        if (Channels <= 0 || Height <= 0 || Width <= 0)
        {
            Fail($"input {Channels}x{Height}x{Width} must have positive sizes");
        }
        if (HiddenSize <= 0 || Layers <= 0)
        {
            Fail($"memory needs a positive hidden size and layer count (hidden {HiddenSize}, layers {Layers})");
        }
        switch (Encoder)
        {
            case EncoderKind.Mlp:
                if (Height != 1 || Width != 1)
                {
                    Fail($"an MLP encoder takes a vector: input must be {Channels}x1x1, not {Channels}x{Height}x{Width}");
                }
                if (MlpLayers.Any(w => w <= 0) || MlpActivation is not (Activation.Tanh or Activation.ReLU))
                {
                    Fail($"MLP layers [{string.Join(", ", MlpLayers)}] must be positive and the activation tanh or relu");
                }
                break;
            case EncoderKind.NatureCnn:
                if (NatureCnnOutput(Height) <= 0 || NatureCnnOutput(Width) <= 0)
                {
                    Fail($"NatureCNN needs an input of at least 36x36, not {Height}x{Width}");
                }
                break;
            case EncoderKind.Impala:
                if (ImpalaChannels.Count != 3 || ImpalaChannels.Any(c => c <= 0))
                {
                    Fail($"IMPALA needs three positive channel counts, not [{string.Join(", ", ImpalaChannels)}]");
                }
                break;
            default:
                Fail($"unknown encoder {Encoder}");
                break;
        }
        if (Encoder != EncoderKind.Mlp && FeatureSize <= 0)
        {
            Fail($"feature size {FeatureSize} must be positive");
        }
        if (Preprocess is { } p && Encoder != EncoderKind.Mlp
            && (p.Channels != Channels || p.Height != Height || p.Width != Width || p.FrameStack <= 0 || !(p.Scale > 0f) || float.IsInfinity(p.Scale)))
        {
            Fail($"preprocessing {p.FrameStack}x{(p.Grayscale ? "gray" : "rgb")} {p.Height}x{p.Width} (scale {p.Scale}) does not give the encoder's {Channels}x{Height}x{Width} input");
        }
    }

    /// <summary>Spatial size after NatureCNN's convolutions (8/4, 4/2, 3/1); 0 or less when the input is too small.</summary>
    public static int NatureCnnOutput(int size)
    {
        if (size < 8)
        {
            return 0;
        }
        size = (size - 8) / 4 + 1;
        if (size < 4)
        {
            return 0;
        }
        size = (size - 4) / 2 + 1;
        return size - 3 + 1;
    }

    /// <summary>Every parameter tensor the model needs, in our layout's names and order.</summary>
    public IReadOnlyList<ParameterSpec> Parameters()
    {
        var list = new List<ParameterSpec>();
        void Layer(string name, int fanIn, params int[] weightShape)
        {
            list.Add(new ParameterSpec(name + ".weight", weightShape, fanIn));
            list.Add(new ParameterSpec(name + ".bias", [weightShape[0]], fanIn));
        }
        switch (Encoder)
        {
            case EncoderKind.NatureCnn:
                Layer("encoder.conv1", Channels * 64, 32, Channels, 8, 8);
                Layer("encoder.conv2", 32 * 16, 64, 32, 4, 4);
                Layer("encoder.conv3", 64 * 9, 64, 64, 3, 3);
                int flat = 64 * NatureCnnOutput(Height) * NatureCnnOutput(Width);
                Layer("encoder.linear", flat, FeatureSize, flat);
                break;
            case EncoderKind.Impala:
                int c = Channels, h = Height, w = Width;
                for (int s = 0; s < 3; s++)
                {
                    int d = ImpalaChannels[s];
                    Layer($"encoder.{s}.conv", c * 9, d, c, 3, 3);
                    for (int r = 0; r < 2; r++)
                    {
                        for (int j = 0; j < 2; j++)
                        {
                            Layer($"encoder.{s}.res_block{r}.conv{j}", d * 9, d, d, 3, 3);
                        }
                    }
                    (c, h, w) = (d, (h + 1) / 2, (w + 1) / 2);
                }
                Layer("encoder.linear", c * h * w, FeatureSize, c * h * w);
                break;
            default:
                int inputs = Channels;
                for (int i = 0; i < MlpLayers.Count; i++)
                {
                    Layer($"encoder.fc{i}", inputs, MlpLayers[i], inputs);
                    inputs = MlpLayers[i];
                }
                break;
        }
        Memory("memory", list);
        if (CriticMemory)
        {
            Memory("critic_memory", list);
        }
        Layer("actor", HiddenSize, Action.Width, HiddenSize);
        if (Action.Kind == ActionKind.Box)
        {
            list.Add(new ParameterSpec("actor.log_std", [Action.Width], 0));
        }
        Layer("critic", HiddenSize, 1, HiddenSize);
        return list;
    }

    private void Memory(string prefix, List<ParameterSpec> list)
    {
        int gates = Cell switch { CellKind.Lstm => 4, CellKind.Gru => 3, _ => 1 } * HiddenSize;
        for (int k = 0; k < Layers; k++)
        {
            int input = k == 0 ? EncoderOutputSize : HiddenSize;
            // PyTorch initialises every recurrent weight and bias uniformly in ±1/√hidden.
            list.Add(new ParameterSpec($"{prefix}.weight_ih_l{k}", [gates, input], HiddenSize));
            list.Add(new ParameterSpec($"{prefix}.weight_hh_l{k}", [gates, HiddenSize], HiddenSize));
            list.Add(new ParameterSpec($"{prefix}.bias_ih_l{k}", [gates], HiddenSize));
            list.Add(new ParameterSpec($"{prefix}.bias_hh_l{k}", [gates], HiddenSize));
        }
    }

    /// <summary>Total number of parameters.</summary>
    public long ParameterCount => Parameters().Sum(p => p.ElementCount);
}
