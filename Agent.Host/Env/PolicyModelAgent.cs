using AgentRnn.Core;
using AgentRnn.Core.Spaces;
using AgentRnn.Core.Compute;
using AgentRnn.Core.Compute.Cpu;
using AgentRnn.Host.Network;
using AgentRnn.Host.Models;
using AgentRnn.Host.Training;
using AgentRnn.Vision;

namespace AgentRnn.Host.Env;

/// <summary>
/// Plays a <see cref="PolicyModel"/> in a vector env: the adapter between the env protocol's spaces and the model.
/// Image observations (uint8 Box (H, W, C) or (C, H, W), C ∈ {1, 3, 4}) go through one OpenCV preprocessor per env
/// (the model's <see cref="PreprocessConfig"/>: gray, resize, frame stack, oldest first); other Box observations are
/// flattened to floats for an MLP encoder. Each env is one memory stream, zeroed when its episode starts. Actions are
/// the model's greedy actions (deterministic) or samples, mapped back to the env's space (Discrete start, MultiDiscrete
/// starts, Box bounds clip).
/// </summary>
/// <remarks>Memory: env i is stream i of a <see cref="PolicyStreams"/>: its recurrent state lives in the slot the
/// network's <see cref="AgentRnn.Memory.StreamStateStore"/> books for it (<see cref="Streams"/>), as on every other path.
/// Thread-safety: one thread acts at a time. <see cref="Act"/> allocates nothing once built.</remarks>
public sealed class PolicyModelAgent : IAgentPolicy, IDisposable
{
    private readonly PolicyModel _model;
    private readonly PolicyStreams _streams; // the network (every env's memory, on its device) and the store booking env i as stream i
    private readonly long[] _ids = [];      // (N) env i's stream id: i
    private readonly EnvSpec _spec;
    private readonly ActionSampler? _sampler;
    private readonly FramePreprocessor[] _preprocessors = [];
    private readonly bool _channelsFirst;
    private readonly int _channels;
    private readonly byte[] _frames = [];   // (N, C, H, W) preprocessed frames
    private readonly byte[] _hwc = [];      // one (H, W, C) frame transposed from (C, H, W)
    private readonly float[] _vectors = []; // (N, InputSize) flattened vector observations
    private readonly float[] _starts;       // (N) 1 where an episode starts
    private readonly PolicyOutputs _outputs;

    /// <summary>
    /// Wraps <paramref name="model"/> for <paramref name="spec"/>'s envs; a model that does not fit the spaces is an
    /// <see cref="AgentException"/>. The model's network runs on <paramref name="device"/> (an accelerator or a CPU
    /// device; the caller keeps ownership), or on a CPU device of its own; it holds each env's memory in a slot there.
    /// </summary>
    public PolicyModelAgent(PolicyModel model, EnvSpec spec, bool deterministic, int seed, ComputeDevice? device = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(spec);
        _model = model;
        _spec = spec;
        _sampler = deterministic ? null : new ActionSampler(seed);
        int n = spec.NumEnvs;
        Box obs = spec.ObservationSpace as Box
            ?? throw new AgentException($"agent run plays Box observations; this env observes {spec.ObservationSpace}");
        ActionSpec wanted = ActionSpecFor(spec.ActionSpace);
        if (model.Action.Kind != wanted.Kind || !model.Action.Sizes.SequenceEqual(wanted.Sizes))
        {
            throw new AgentException($"the model acts in {model.Action} but the env acts in {spec.ActionSpace}");
        }
        ModelConfig config = model.Config;
        if (config.Encoder != EncoderKind.Mlp)
        {
            (int h, int w, int c, bool first) = ObservationAdapter.ImageLayout(obs)
                ?? throw new AgentException($"the model encodes images but the env observes {obs}");
            PreprocessConfig p = config.Preprocess ?? throw new AgentException("the model encodes images but has no preprocessing config");
            _channels = c;
            _channelsFirst = first;
            PixelFormat format = c switch { 1 => PixelFormat.Gray, 3 => PixelFormat.Rgb, _ => PixelFormat.Rgba };
            PreprocessOptions options = p.ToVisionOptions();
            _preprocessors = Enumerable.Range(0, n).Select(_ => new FramePreprocessor(w, h, format, options)).ToArray();
            if (_preprocessors[0].ObservationSize != model.InputSize)
            {
                Dispose();
                throw new AgentException($"the env's {obs} preprocesses to {_preprocessors[0].ObservationSize} bytes per observation, the model takes {model.InputSize}");
            }
            _frames = new byte[n * model.InputSize];
            _hwc = first && c > 1 ? new byte[obs.ElementCount] : [];
        }
        else
        {
            if (obs.ElementCount != model.InputSize)
            {
                throw new AgentException($"the model takes {model.InputSize} floats per observation but the env observes {obs}");
            }
            _vectors = new float[n * model.InputSize];
        }
        _starts = new float[n];
        _outputs = model.CreateOutputs(n);
        // The network holds every env's memory, on the given device or on a CPU device of its own; its store books
        // env i as stream i, added now so that Act allocates nothing.
        PolicyNetwork network = model.CreateNetwork(device ?? new CpuDevice(model.CpuOptions), n, ownsDevice: device is null);
        _streams = new PolicyStreams(network, ownsNetwork: true);
        network.EnsureCapacity(n);
        _ids = new long[n];
        for (int i = 0; i < n; i++)
        {
            _ids[i] = i;
            _streams.Store.Add(i);
        }
    }

    /// <summary>The network and the store of the envs' streams (stream i is env i).</summary>
    public PolicyStreams Streams => _streams;

    /// <summary>
    /// A fresh model for the env's spaces with random weights from <paramref name="seed"/>: images → Atari
    /// preprocessing (gray 84×84, stack 4) and the Nature CNN; other Box observations → a 64-64 tanh MLP; then an LSTM
    /// and the head matching the action space.
    /// </summary>
    public static PolicyModel CreateModel(EnvSpec spec, int seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        Box obs = spec.ObservationSpace as Box
            ?? throw new AgentException($"agent run builds models for Box observations; this env observes {spec.ObservationSpace}");
        ActionSpec action = ActionSpecFor(spec.ActionSpace);
        ModelConfig config = ObservationAdapter.ImageLayout(obs) is not null
            ? ModelConfig.ForFrames(PreprocessConfig.Atari(4), action)
            : ModelConfig.ForVectors(obs.ElementCount, action);
        return PolicyModel.CreateRandom(config, seed);
    }

    /// <summary>The model head for an env's action space: Discrete(n), MultiDiscrete(nvec) or Box(elements).</summary>
    public static ActionSpec ActionSpecFor(Space space) => space switch
    {
        Discrete d when d.N <= ModelConfig.MaxDimension => ActionSpec.Discrete((int)d.N),
        MultiDiscrete m when m.Nvec.ToArray().All(v => v <= ModelConfig.MaxDimension) => ActionSpec.MultiDiscrete(m.Nvec.ToArray().Select(v => (int)v).ToArray()),
        Box b => ActionSpec.Box(b.ElementCount),
        _ => throw new AgentException($"agent run plays Discrete, MultiDiscrete or Box actions; this env acts in {space}"),
    };

    /// <inheritdoc />
    public void Act(SpaceBatch observations, ReadOnlySpan<bool> episodeStarts, SpaceBatch actions)
    {
        ArgumentNullException.ThrowIfNull(observations);
        ArgumentNullException.ThrowIfNull(actions);
        int n = observations.Batch;
        TensorBuffer obs = observations.Single;
        for (int i = 0; i < n; i++)
        {
            _starts[i] = episodeStarts[i] ? 1f : 0f;
        }
        if (_preprocessors.Length > 0)
        {
            int size = _model.InputSize;
            for (int i = 0; i < n; i++)
            {
                if (episodeStarts[i])
                {
                    _preprocessors[i].Reset();
                }
                ReadOnlySpan<byte> raw = obs.RowBytes(i);
                if (_hwc.Length > 0)
                {
                    ToChannelsLast(raw, _hwc, _channels, _hwc.Length / _channels);
                    raw = _hwc;
                }
                _preprocessors[i].Push(raw);
                _preprocessors[i].Observation.CopyTo(_frames.AsSpan(i * size, size));
            }
            _streams.Step(_frames.AsSpan(0, n * size), _ids.AsSpan(0, n), _starts.AsSpan(0, n), _outputs, n);
        }
        else
        {
            int size = _model.InputSize;
            for (int i = 0; i < n; i++)
            {
                for (int k = 0; k < size; k++)
                {
                    _vectors[i * size + k] = obs.GetFloat(i, k);
                }
            }
            _streams.Step(_vectors.AsSpan(0, n * size), _ids.AsSpan(0, n), _starts.AsSpan(0, n), _outputs, n);
        }
        _sampler?.Sample(_outputs, n);
        WriteActions(actions.Single, n);
    }

    private void WriteActions(TensorBuffer output, int n)
    {
        for (int i = 0; i < n; i++)
        {
            switch (_spec.ActionSpace)
            {
                case Discrete d:
                    output.SetInt64(i, 0, d.Start + _outputs.Actions[i]);
                    break;
                case MultiDiscrete m:
                    for (int k = 0; k < m.ElementCount; k++)
                    {
                        output.SetInt64(i, k, m.Start[k] + _outputs.Actions[i * m.ElementCount + k]);
                    }
                    break;
                case Box box:
                    for (int k = 0; k < box.ElementCount; k++)
                    {
                        output.SetFloat(i, k, Math.Clamp(_outputs.ContinuousActions[i * box.ElementCount + k], box.LowAt(k), box.HighAt(k)));
                    }
                    break;
            }
        }
    }

    // source is (C, pixels); destination is (pixels, C).
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

    /// <summary>Disposes the preprocessors and the network (with its CPU device when it made one).</summary>
    public void Dispose()
    {
        foreach (FramePreprocessor p in _preprocessors)
        {
            p.Dispose();
        }
        _streams?.Dispose();
    }
}
