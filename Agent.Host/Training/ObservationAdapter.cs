using AgentRnn.Core;
using AgentRnn.Core.Spaces;
using AgentRnn.Host.Env;
using AgentRnn.Host.Models;
using AgentRnn.Vision;

namespace AgentRnn.Host.Training;

/// <summary>
/// Turns a vector env's observations into the training network's inputs exactly as <see cref="PolicyModelAgent"/>
/// does when the model is played: uint8 images (H, W, C) or (C, H, W) through one OpenCV preprocessor per env (reset
/// when its episode starts), other Boxes flattened to floats. Allocates nothing per call.
/// </summary>
internal sealed class ObservationAdapter : IDisposable
{
    private readonly FramePreprocessor[] _preprocessors = [];
    private readonly byte[] _hwc = [];
    private readonly int _channels;
    private readonly int _size;

    public ObservationAdapter(ModelConfig config, EnvSpec spec)
    {
        Box obs = spec.ObservationSpace as Box ?? throw new AgentException($"training needs a Box observation space; this env observes {spec.ObservationSpace}");
        _size = config.InputSize;
        if (config.Encoder != EncoderKind.Mlp)
        {
            (int h, int w, int c, bool first) = ImageLayout(obs) ?? throw new AgentException($"the model encodes images but the env observes {obs}");
            PreprocessConfig p = config.Preprocess ?? throw new AgentException("the model encodes images but has no preprocessing config");
            PixelFormat format = c switch { 1 => PixelFormat.Gray, 3 => PixelFormat.Rgb, _ => PixelFormat.Rgba };
            _channels = c;
            _preprocessors = Enumerable.Range(0, spec.NumEnvs).Select(_ => new FramePreprocessor(w, h, format, p.ToVisionOptions())).ToArray();
            if (_preprocessors[0].ObservationSize != _size)
            {
                Dispose();
                throw new AgentException($"the env's {obs} preprocesses to {_preprocessors[0].ObservationSize} bytes per observation, the model takes {_size}");
            }
            _hwc = first && c > 1 ? new byte[obs.ElementCount] : [];
        }
        else if (obs.ElementCount != _size)
        {
            throw new AgentException($"the model takes {_size} floats per observation but the env observes {obs}");
        }
    }

    /// <summary>Whether observations are preprocessed frames (bytes) rather than float vectors.</summary>
    public bool Images => _preprocessors.Length > 0;

    /// <summary>Writes env i's observation (a frame pushed through its preprocessor) into <paramref name="frames"/>' row i.</summary>
    public void Frames(SpaceBatch observations, ReadOnlySpan<bool> starts, Span<byte> frames)
    {
        TensorBuffer obs = observations.Single;
        for (int i = 0; i < observations.Batch; i++)
        {
            if (starts[i])
            {
                _preprocessors[i].Reset();
            }
            ReadOnlySpan<byte> raw = obs.RowBytes(i);
            if (_hwc.Length > 0)
            {
                int pixels = _hwc.Length / _channels;
                for (int c = 0; c < _channels; c++)
                {
                    for (int p = 0; p < pixels; p++)
                    {
                        _hwc[p * _channels + c] = raw[c * pixels + p];
                    }
                }
                raw = _hwc;
            }
            _preprocessors[i].Push(raw);
            _preprocessors[i].Observation.CopyTo(frames.Slice(i * _size, _size));
        }
    }

    /// <summary>Writes env i's observation, flattened to floats, into <paramref name="vectors"/>' row i.</summary>
    public void Vectors(SpaceBatch observations, Span<float> vectors)
    {
        TensorBuffer obs = observations.Single;
        for (int i = 0; i < observations.Batch; i++)
        {
            for (int k = 0; k < _size; k++)
            {
                vectors[i * _size + k] = obs.GetFloat(i, k);
            }
        }
    }

    /// <summary>(height, width, channels, channels-first) when the Box is a uint8 image, else null; the one rule, shared with PolicyModelAgent.</summary>
    internal static (int H, int W, int C, bool ChannelsFirst)? ImageLayout(Box box)
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
        return s[0] is 1 or 3 or 4 ? (s[1], s[2], s[0], true) : null;
    }

    public void Dispose()
    {
        foreach (FramePreprocessor p in _preprocessors)
        {
            p.Dispose();
        }
    }
}
