using AgentRnn.Core;
using AgentRnn.Core.Kernels;
using AgentRnn.Core.SafeTensors;
using AgentRnn.Host.Models;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Host.Training;

/// <summary>
/// The trainable twin of a <see cref="ModelConfig"/>'s network (NatureCNN or MLP encoder → LSTM/GRU/RNN layers →
/// actor and critic), with forward passes that keep activation caches and the matching backward passes. Inputs are
/// time-major sequences: row t·B + b is stream b at step t; each row has an episode-start flag. Parameters use our
/// layout's names; <see cref="Save"/> writes CleanRL's layout for the models CleanRL's ppo_atari_lstm has
/// (NatureCNN + one LSTM + Discrete), ours with agent.config otherwise — both load with <see cref="PolicyModel.Load(string, ModelLoadOptions?)"/>.
/// </summary>
public sealed class TrainingNetwork
{
    private readonly Dictionary<string, TrainParameter> _byName = new(StringComparer.Ordinal);
    private readonly ConvLayer[] _convs = [];
    private readonly DenseLayer[] _dense;      // encoder linear layers (NatureCNN's one, or the MLP's)
    private readonly RecurrentLayer[] _cores;
    private readonly DenseLayer _actor;
    private readonly DenseLayer _critic;
    private readonly TrainParameter? _logStd;
    private float[] _input = [];
    private float[] _logits = [];
    private float[] _values = [];
    private float[] _dLogits = [];
    private float[] _dValues = [];
    private float[] _dHidden = [];
    private int _n;
    private int _steps;
    private int _batch;
    private float[] _starts = [];

    /// <summary>Builds the network for <paramref name="config"/> with CleanRL's initialisation from <paramref name="seed"/>.</summary>
    public TrainingNetwork(ModelConfig config, int seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (config.Encoder == EncoderKind.Impala || config.CriticMemory)
        {
            throw new AgentException($"training supports NatureCNN and MLP encoders with one shared memory; this model has {ModelConfig.EncoderName(config.Encoder)}{(config.CriticMemory ? " and a critic memory" : "")}");
        }
        Config = config;
        Parameters = config.Parameters().Select(p => new TrainParameter(p.Name, p.Shape)).ToArray();
        foreach (TrainParameter p in Parameters)
        {
            _byName.Add(p.Name, p);
        }
        Activation encoderActivation = config.Encoder == EncoderKind.Mlp ? config.MlpActivation : Activation.ReLU;
        if (config.Encoder == EncoderKind.NatureCnn)
        {
            var c1 = new ConvLayer(this["encoder.conv1.weight"], this["encoder.conv1.bias"], 4, config.Height, config.Width, Activation.ReLU);
            var c2 = new ConvLayer(this["encoder.conv2.weight"], this["encoder.conv2.bias"], 2, c1.OutHeight, c1.OutWidth, Activation.ReLU);
            var c3 = new ConvLayer(this["encoder.conv3.weight"], this["encoder.conv3.bias"], 1, c2.OutHeight, c2.OutWidth, Activation.ReLU);
            _convs = [c1, c2, c3];
            _dense = [new DenseLayer(this["encoder.linear.weight"], this["encoder.linear.bias"], Activation.ReLU)];
        }
        else
        {
            _dense = Enumerable.Range(0, config.MlpLayers.Count)
                .Select(i => new DenseLayer(this[$"encoder.fc{i}.weight"], this[$"encoder.fc{i}.bias"], encoderActivation)).ToArray();
        }
        _cores = Enumerable.Range(0, config.Layers).Select(k => new RecurrentLayer(config.Cell,
            this[$"memory.weight_ih_l{k}"], this[$"memory.weight_hh_l{k}"], this[$"memory.bias_ih_l{k}"], this[$"memory.bias_hh_l{k}"])).ToArray();
        _actor = new DenseLayer(this["actor.weight"], this["actor.bias"], Activation.None);
        _critic = new DenseLayer(this["critic.weight"], this["critic.bias"], Activation.None);
        // Summed once: a LINQ Sum per forward pass allocated an enumerator each time (the rollout allocates nothing per step).
        StateSize = _cores.Sum(c => c.StateSize);
        _logStd = config.Action.Kind == ActionKind.Box ? this["actor.log_std"] : null;
        Initialize(seed);
    }

    /// <summary>The architecture.</summary>
    public ModelConfig Config { get; }

    /// <summary>Every parameter, in our layout's order.</summary>
    public IReadOnlyList<TrainParameter> Parameters { get; }

    /// <summary>A parameter by its name in our layout.</summary>
    public TrainParameter this[string name] => _byName[name];

    /// <summary>Floats of one stream's recurrent state.</summary>
    public int StateSize { get; }

    /// <summary>The actor's outputs of the last forward (rows × action width): logits, or the Gaussian's mean.</summary>
    public ReadOnlySpan<float> Logits => _logits.AsSpan(0, _n * Config.Action.Width);

    /// <summary>The critic's values of the last forward.</summary>
    public ReadOnlySpan<float> Values => _values.AsSpan(0, _n);

    /// <summary>The Gaussian head's log-std (empty for categorical heads).</summary>
    public ReadOnlySpan<float> LogStd => _logStd is null ? [] : _logStd.Data;

    /// <summary>Forward over frames (bytes, scaled by the preprocessing's scale); see <see cref="Forward(ReadOnlySpan{float},int,int,ReadOnlySpan{float},Span{float})"/>.</summary>
    public void Forward(ReadOnlySpan<byte> frames, int steps, int batch, ReadOnlySpan<float> starts, Span<float> state)
    {
        int n = steps * batch, size = Config.InputSize;
        float scale = Config.Preprocess?.Scale ?? PreprocessConfig.DefaultScale;
        Span<float> input = Scratch.Ensure(ref _input, n * size).AsSpan(0, n * size);
        for (int i = 0; i < input.Length; i++)
        {
            input[i] = frames[i] * scale;
        }
        Run(steps, batch, starts, state);
    }

    /// <summary>
    /// Forward over <paramref name="steps"/> × <paramref name="batch"/> observations (time-major);
    /// <paramref name="state"/> (batch × <see cref="StateSize"/>) is the state before the first step and receives the
    /// state after the last. Caches what <see cref="Backward"/> needs.
    /// </summary>
    public void Forward(ReadOnlySpan<float> observations, int steps, int batch, ReadOnlySpan<float> starts, Span<float> state)
    {
        int n = steps * batch, size = Config.InputSize;
        observations.Slice(0, n * size).CopyTo(Scratch.Ensure(ref _input, n * size));
        Run(steps, batch, starts, state);
    }

    private void Run(int steps, int batch, ReadOnlySpan<float> starts, Span<float> state)
    {
        int n = steps * batch;
        if (state.Length < batch * StateSize || starts.Length < n)
        {
            throw new ArgumentException($"{batch} streams need {batch * StateSize} state floats and {n} start flags");
        }
        _n = n;
        _steps = steps;
        _batch = batch;
        starts.Slice(0, n).CopyTo(Scratch.Ensure(ref _starts, n));
        float[] x = _input;
        foreach (ConvLayer conv in _convs)
        {
            conv.Forward(x, n);
            x = conv.Output;
        }
        foreach (DenseLayer dense in _dense)
        {
            dense.Forward(x, n);
            x = dense.Output;
        }
        int offset = 0;
        foreach (RecurrentLayer core in _cores)
        {
            core.Forward(x, steps, batch, starts, state, StateSize, offset);
            offset += core.StateSize;
            x = core.Output;
        }
        _actor.Forward(x, n);
        _critic.Forward(x, n);
        int width = Config.Action.Width;
        _actor.Output.AsSpan(0, n * width).CopyTo(Scratch.Ensure(ref _logits, n * width));
        _critic.Output.AsSpan(0, n).CopyTo(Scratch.Ensure(ref _values, n));
    }

    /// <summary>
    /// Backward from the loss's gradients of the last forward's logits and values; adds into every parameter's
    /// <see cref="TrainParameter.Grad"/> (the Gaussian's log-std gradient comes from <see cref="HeadMath"/>).
    /// </summary>
    public void Backward(ReadOnlySpan<float> dLogits, ReadOnlySpan<float> dValues)
    {
        int n = _n, width = Config.Action.Width, hidden = Config.HiddenSize;
        dLogits.Slice(0, n * width).CopyTo(Scratch.Ensure(ref _dLogits, n * width));
        dValues.Slice(0, n).CopyTo(Scratch.Ensure(ref _dValues, n));
        _actor.Backward(_dLogits, inputGrad: true);
        _critic.Backward(_dValues, inputGrad: true);
        Span<float> dh = Scratch.Ensure(ref _dHidden, n * hidden).AsSpan(0, n * hidden);
        System.Numerics.Tensors.TensorPrimitives.Add(_actor.InputGrad.AsSpan(0, n * hidden), _critic.InputGrad.AsSpan(0, n * hidden), dh);
        ReadOnlySpan<float> starts = _starts.AsSpan(0, n);
        float[] d = _dHidden;
        for (int k = _cores.Length - 1; k >= 0; k--)
        {
            _cores[k].Backward(d, starts, inputGrad: k > 0 || _dense.Length > 0 || _convs.Length > 0);
            d = _cores[k].InputGrad;
        }
        for (int k = _dense.Length - 1; k >= 0; k--)
        {
            _dense[k].Backward(d, inputGrad: k > 0 || _convs.Length > 0);
            d = _dense[k].InputGrad;
        }
        for (int k = _convs.Length - 1; k >= 0; k--)
        {
            _convs[k].Backward(d, inputGrad: k > 0);
            d = _convs[k].InputGrad;
        }
    }

    /// <summary>Zeroes every gradient.</summary>
    public void ZeroGrad()
    {
        foreach (TrainParameter p in Parameters)
        {
            Array.Clear(p.Grad);
        }
    }

    /// <summary>
    /// CleanRL's initialisation: orthogonal weights (gain √2 for the encoder, 0.01 for the actor, 1 for the critic
    /// and the recurrent weights), zero biases, zero log-std.
    /// </summary>
    public void Initialize(int seed)
    {
        var random = new Random(seed);
        foreach (TrainParameter p in Parameters)
        {
            if (p.Shape.Length == 1 || p.Name == "actor.log_std")
            {
                Array.Clear(p.Data);
                continue;
            }
            float gain = p.Name.StartsWith("encoder.", StringComparison.Ordinal) ? MathF.Sqrt(2f)
                : p.Name == "actor.weight" ? 0.01f
                : 1f;
            Orthogonal(p.Data, p.Shape[0], p.Data.Length / p.Shape[0], gain, random);
        }
    }

    /// <summary>
    /// Sets the initial bias of the gate that keeps the memory: an LSTM's forget gate, a GRU's update gate (PyTorch's
    /// second gate chunk of bias_hh in every layer; bias_ih stays 0). CleanRL leaves it 0 (the gate starts half open,
    /// so the memory halves each step); 1 is the LSTM advice of Gers et al. and Jozefowicz et al. A tanh RNN has no such
    /// gate: nothing changes.
    /// </summary>
    public void SetKeepGateBias(float bias)
    {
        if (Config.Cell == CellKind.Rnn)
        {
            return;
        }
        for (int k = 0; k < Config.Layers; k++)
        {
            int h = Config.HiddenSize;
            this[$"memory.bias_hh_l{k}"].Data.AsSpan(h, h).Fill(bias);
        }
    }

    /// <summary>Fills (rows, cols) with a scaled orthogonal matrix (torch.nn.init.orthogonal_'s construction: QR of a Gaussian).</summary>
    internal static void Orthogonal(Span<float> data, int rows, int cols, float gain, Random random)
    {
        bool transpose = rows < cols;
        int big = transpose ? cols : rows, small = transpose ? rows : cols;
        var q = new double[small][];
        for (int j = 0; j < small; j++)
        {
            q[j] = new double[big];
            for (int i = 0; i < big; i++)
            {
                double u1 = 1.0 - random.NextDouble(), u2 = random.NextDouble();
                q[j][i] = Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
            }
            // Modified Gram-Schmidt: the Q of a QR with a positive diagonal R, as orthogonal_'s sign fix gives.
            for (int k = 0; k < j; k++)
            {
                double dot = 0;
                for (int i = 0; i < big; i++)
                {
                    dot += q[k][i] * q[j][i];
                }
                for (int i = 0; i < big; i++)
                {
                    q[j][i] -= dot * q[k][i];
                }
            }
            double norm = Math.Sqrt(q[j].Sum(v => v * v));
            for (int i = 0; i < big; i++)
            {
                q[j][i] /= norm;
            }
        }
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < cols; c++)
            {
                data[r * cols + c] = gain * (float)(transpose ? q[r][c] : q[c][r]);
            }
        }
    }

    /// <summary>Whether <see cref="Save"/> writes CleanRL's ppo_atari_lstm layout for this model.</summary>
    public bool SavesCleanRlLayout =>
        Config.Encoder == EncoderKind.NatureCnn && Config.Cell == CellKind.Lstm && Config.Layers == 1
        && Config.Action.Kind == ActionKind.Discrete && Config.Preprocess is { Grayscale: true } p && p.Scale == PreprocessConfig.DefaultScale
        && Config.Height == Config.Width && Config.Height == 8 * ModelConfig.NatureCnnOutput(Config.Height) + 28;

    /// <summary>Our name → the name written: CleanRL's for <see cref="SavesCleanRlLayout"/> models, else the same.</summary>
    public string SavedName(string ours)
    {
        if (!SavesCleanRlLayout)
        {
            return ours;
        }
        string[] parts = ours.Split('.', 3);
        return parts[0] switch
        {
            "encoder" => parts[1] switch
            {
                "conv1" => "network.0.",
                "conv2" => "network.2.",
                "conv3" => "network.4.",
                _ => "network.7.",
            } + parts[2],
            "memory" => "lstm." + ours.Substring("memory.".Length),
            _ => ours,
        };
    }

    /// <summary>Writes the weights atomically (see the class summary for the layout), with extra metadata.</summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!SavesCleanRlLayout)
        {
            meta[ModelConfig.MetadataKey] = Config.ToJson();
        }
        foreach (KeyValuePair<string, string> kv in metadata ?? new Dictionary<string, string>())
        {
            meta[kv.Key] = kv.Value;
        }
        SafeTensorsWriter.Write(path, Parameters.Select(p => new KeyValuePair<string, Tensor>(SavedName(p.Name), new Tensor(p.Data, p.Shape))), meta);
    }

    /// <summary>
    /// Reads a checkpoint in any layout <see cref="PolicyModel.Load(string, ModelLoadOptions?)"/> knows into a network for its architecture;
    /// the file's metadata comes back too (optimizer step and counters of a training run).
    /// </summary>
    public static TrainingNetwork Load(string path, out IReadOnlyDictionary<string, string> metadata)
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        CheckpointLayouts.Resolved resolved = CheckpointLayouts.Resolve(file, ModelLoadOptions.None);
        var network = new TrainingNetwork(resolved.Config with { Layout = ModelLayout.Ours }, 0);
        foreach (TrainParameter p in network.Parameters)
        {
            file.ReadTensor(resolved.Names[p.Name], p.Data);
        }
        metadata = file.Metadata;
        return network;
    }
}
