using AgentRnn.Core;
using AgentRnn.Core.Kernels;
using AgentRnn.Host.Network;

namespace AgentRnn.Tests.Vision.Encoders;

/// <summary>
/// The DQN "Nature" CNN as CleanRL and SB3 build it: conv 32×8×8 stride 4, conv 64×4×4 stride 2,
/// conv 64×3×3 stride 1 (ReLU after each), flatten in (C, H, W) order, linear, ReLU.
/// Any C×H×W input the three convolutions accept; the feature width is linear.weight's first dimension (512 normally).
/// Runs channels-last inside (the linear weight's columns are reordered once to match PyTorch's flatten), with the
/// 1/255 frame scale and every bias and ReLU fused into the convolutions.
/// Thread-safety: one thread runs a given instance at a time (its scratch memory is per instance, grown once for the
/// largest batch seen); distinct instances may run concurrently.
/// </summary>
public sealed class NatureCnn : Encoder
{
    private readonly Conv2d _conv1;
    private readonly Conv2d _conv2;
    private readonly Conv2d _conv3;
    private readonly Linear _linear;
    private readonly (int H, int W) _size1;
    private readonly (int H, int W) _size2;
    private readonly (int H, int W) _size3;
    private float[] _a1 = [];
    private float[] _a2 = [];
    private float[] _a3 = [];
    private float[] _scratch = [];
    private int _capacity;

    /// <summary>
    /// Builds the encoder for channels×height×width inputs. <paramref name="tensor"/> returns each weight by its name:
    /// conv1.weight (32, C, 8, 8), conv1.bias (32), conv2.weight (64, 32, 4, 4), conv2.bias (64),
    /// conv3.weight (64, 64, 3, 3), conv3.bias (64), linear.weight (F, 64·h3·w3), linear.bias (F).
    /// Throws <see cref="ArgumentException"/> naming the tensor when a shape differs or the input is too small.
    /// </summary>
    public NatureCnn(int channels, int height, int width, Func<string, Tensor> tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (channels <= 0 || height <= 0 || width <= 0)
        {
            throw new ArgumentException($"NatureCnn input {channels}x{height}x{width} must have positive sizes");
        }
        InputChannels = channels;
        InputHeight = height;
        InputWidth = width;
        _conv1 = Layer(tensor, "conv1", channels, 32, 8, 4);
        _conv2 = Layer(tensor, "conv2", 32, 64, 4, 2);
        _conv3 = Layer(tensor, "conv3", 64, 64, 3, 1);
        try
        {
            _size1 = _conv1.OutputSize(height, width);
            _size2 = _conv2.OutputSize(_size1.H, _size1.W);
            _size3 = _conv3.OutputSize(_size2.H, _size2.W);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"NatureCnn cannot take a {channels}x{height}x{width} input: {e.Message}", e);
        }
        int flat = 64 * _size3.H * _size3.W;
        Tensor w = EncoderWeights.Require(tensor, "linear.weight", EncoderWeights.Any, flat);
        OutputSize = w.Dim(0);
        Tensor b = EncoderWeights.Require(tensor, "linear.bias", OutputSize);
        _linear = new Linear(EncoderWeights.ColumnsToHwc(w.Span, OutputSize, 64, _size3.H, _size3.W), b.Span, OutputSize, flat);
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
    public override long FlopsPerFrame => 2L * (
        (long)_size1.H * _size1.W * _conv1.OutChannels * _conv1.PatchSize
        + (long)_size2.H * _size2.W * _conv2.OutChannels * _conv2.PatchSize
        + (long)_size3.H * _size3.W * _conv3.OutChannels * _conv3.PatchSize
        + (long)_linear.OutFeatures * _linear.InFeatures);

    /// <inheritdoc />
    public override void Forward(ReadOnlySpan<float> input, Span<float> features, int batch)
    {
        CheckSpans(input.Length, features.Length, batch);
        EnsureCapacity(batch);
        _conv1.ForwardNhwc(input, Layout.Nchw, _a1, batch, InputHeight, InputWidth, Fusion.ReluOutput, _scratch);
        Rest(features, batch);
    }

    /// <inheritdoc />
    public override void Forward(ReadOnlySpan<byte> frames, Span<float> features, int batch)
    {
        CheckSpans(frames.Length, features.Length, batch);
        EnsureCapacity(batch);
        _conv1.ForwardNhwc(frames, _a1, batch, InputHeight, InputWidth, Fusion.ReluOutput, _scratch);
        Rest(features, batch);
    }

    // _a1 is (batch, h1, w1, 32) NHWC; features is (batch, OutputSize).
    private void Rest(Span<float> features, int batch)
    {
        _conv2.ForwardNhwc(_a1, Layout.Nhwc, _a2, batch, _size1.H, _size1.W, Fusion.ReluOutput, _scratch);
        _conv3.ForwardNhwc(_a2, Layout.Nhwc, _a3, batch, _size2.H, _size2.W, Fusion.ReluOutput, _scratch);
        _linear.Forward(_a3, features, batch, Activation.ReLU);
    }

    private void CheckSpans(int inputLength, int featureLength, int batch)
    {
        if (batch < 0 || inputLength < (long)batch * InputSize || featureLength < (long)batch * OutputSize)
        {
            throw new ArgumentException($"NatureCnn at batch {batch}: input has {inputLength} elements (needs {(long)batch * InputSize}), features {featureLength} floats (needs {(long)batch * OutputSize})");
        }
    }

    private void EnsureCapacity(int batch)
    {
        if (batch <= _capacity)
        {
            return;
        }
        _a1 = new float[batch * 32 * _size1.H * _size1.W];
        _a2 = new float[batch * 64 * _size2.H * _size2.W];
        _a3 = new float[batch * 64 * _size3.H * _size3.W];
        _scratch = new float[Math.Max(
            _conv1.ScratchSize(batch, InputHeight, InputWidth),
            Math.Max(_conv2.ScratchSize(batch, _size1.H, _size1.W), _conv3.ScratchSize(batch, _size2.H, _size2.W)))];
        _capacity = batch;
    }

    private static Conv2d Layer(Func<string, Tensor> tensor, string name, int inChannels, int outChannels, int kernel, int stride)
    {
        Tensor w = EncoderWeights.Require(tensor, name + ".weight", outChannels, inChannels, kernel, kernel);
        Tensor b = EncoderWeights.Require(tensor, name + ".bias", outChannels);
        return new Conv2d(w.Span, b.Span, inChannels, outChannels, kernel, kernel, stride, 0);
    }
}
