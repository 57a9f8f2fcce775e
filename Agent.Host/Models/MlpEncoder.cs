using AgentRnn.Core;
using AgentRnn.Core.Kernels;
using AgentRnn.Vision.Encoders;

namespace AgentRnn.Host.Models;

/// <summary>
/// An encoder for vector observations: Linear + activation per layer (SB3's MlpExtractor style, Tanh 64-64 by
/// default). With no layers it passes observations through. Its input is (batch, inputs, 1, 1) in the encoder contract.
/// Thread-safety: one thread runs a given instance at a time (scratch memory is per instance).
/// </summary>
public sealed class MlpEncoder : Encoder
{
    private readonly Linear[] _layers;
    private readonly Activation _activation;
    private float[] _a = [];
    private float[] _b = [];

    /// <summary>
    /// <paramref name="tensor"/> returns "fc{i}.weight" (layers[i], previous width) and "fc{i}.bias" (layers[i]).
    /// Throws <see cref="ArgumentException"/> naming a tensor whose shape differs.
    /// </summary>
    public MlpEncoder(int inputs, IReadOnlyList<int> layers, Activation activation, Func<string, Tensor> tensor)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputs);
        InputChannels = inputs;
        _activation = activation;
        _layers = new Linear[layers.Count];
        int width = inputs;
        for (int i = 0; i < layers.Count; i++)
        {
            Tensor w = tensor($"fc{i}.weight");
            Tensor b = tensor($"fc{i}.bias");
            if (!w.Shape.SequenceEqual([layers[i], width]) || !b.Shape.SequenceEqual([layers[i]]))
            {
                throw new ArgumentException($"tensor 'fc{i}.weight' {w.ShapeString} / 'fc{i}.bias' {b.ShapeString}, expected ({layers[i]}, {width}) / ({layers[i]})");
            }
            _layers[i] = new Linear(w.Span, b.Span, layers[i], width);
            width = layers[i];
        }
        OutputSize = width;
    }

    /// <inheritdoc />
    public override int InputChannels { get; }

    /// <inheritdoc />
    public override int InputHeight => 1;

    /// <inheritdoc />
    public override int InputWidth => 1;

    /// <inheritdoc />
    public override int OutputSize { get; }

    /// <inheritdoc />
    public override long FlopsPerFrame => 2 * _layers.Sum(l => (long)l.InFeatures * l.OutFeatures);

    /// <summary>Grows the scratch memory once so batches up to <paramref name="batch"/> allocate nothing.</summary>
    public void EnsureCapacity(int batch)
    {
        int widest = _layers.Length == 0 ? InputChannels : Math.Max(InputChannels, _layers.Max(l => l.OutFeatures));
        if (_a.Length < batch * widest)
        {
            _a = new float[batch * widest];
            _b = new float[batch * widest];
        }
    }

    /// <inheritdoc />
    public override void Forward(ReadOnlySpan<float> input, Span<float> features, int batch)
    {
        Check(input.Length, features.Length, batch);
        if (_layers.Length == 0)
        {
            input.Slice(0, batch * InputChannels).CopyTo(features);
            return;
        }
        EnsureCapacity(batch);
        ReadOnlySpan<float> x = input;
        for (int i = 0; i < _layers.Length; i++)
        {
            Linear layer = _layers[i];
            Span<float> y = i == _layers.Length - 1 ? features : (i % 2 == 0 ? _a : _b);
            layer.Forward(x, y, batch, _activation);
            x = y;
        }
    }

    /// <inheritdoc />
    public override void Forward(ReadOnlySpan<byte> frames, Span<float> features, int batch)
    {
        Check(frames.Length, features.Length, batch);
        EnsureCapacity(batch);
        Span<float> scaled = _a.AsSpan(0, batch * InputChannels);
        for (int i = 0; i < scaled.Length; i++)
        {
            scaled[i] = frames[i] * PreprocessConfig.DefaultScale;
        }
        if (_layers.Length == 0)
        {
            scaled.CopyTo(features);
            return;
        }
        // The first layer reads _a, so it writes _b; the alternation below starts from there.
        ReadOnlySpan<float> x = scaled;
        for (int i = 0; i < _layers.Length; i++)
        {
            Span<float> y = i == _layers.Length - 1 ? features : (i % 2 == 0 ? _b : _a);
            _layers[i].Forward(x, y, batch, _activation);
            x = y;
        }
    }

    private void Check(int inputLength, int featuresLength, int batch)
    {
        if (batch < 0 || inputLength < (long)batch * InputChannels || featuresLength < (long)batch * OutputSize)
        {
            throw new ArgumentException($"MLP({InputChannels}→{OutputSize}) at batch {batch}: input has {inputLength}, features {featuresLength} floats");
        }
    }
}
