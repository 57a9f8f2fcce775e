namespace AgentRnn.Tests.Vision.Encoders;

/// <summary>
/// Test oracle: a CNN written directly on the CPU kernels (Conv2d, Linear, MaxPool2d) that turns a batch of
/// channel-first frames into feature vectors, checked against PyTorch (NatureCnnTests, ImpalaCnnTests) and used to
/// check the kernels at every vector width (IsaKernelTests). The product's encoders are
/// Agent.Host/Network/NetworkEncoder, over a compute device; these were their duplicate in Agent.Vision.
/// Thread-safety: instances may hold scratch memory; one thread runs a given instance at a time.
/// </summary>
public abstract class Encoder
{
    /// <summary>Input channels (the frame-stack depth for gray frames).</summary>
    public abstract int InputChannels { get; }

    /// <summary>Input height.</summary>
    public abstract int InputHeight { get; }

    /// <summary>Input width.</summary>
    public abstract int InputWidth { get; }

    /// <summary>Width of each feature row.</summary>
    public abstract int OutputSize { get; }

    /// <summary>
    /// Floating-point operations per frame, 2 per multiply-add of the convolutions and linear layers (biases,
    /// activations and pooling are not counted): the figure achieved GFLOP/s are reported against.
    /// </summary>
    public abstract long FlopsPerFrame { get; }

    /// <summary>Floats in one input frame (C·H·W).</summary>
    public int InputSize => InputChannels * InputHeight * InputWidth;

    /// <summary>input is (batch, C, H, W) float; features is (batch, OutputSize).</summary>
    public abstract void Forward(ReadOnlySpan<float> input, Span<float> features, int batch);

    /// <summary>
    /// frames is (batch, C, H, W) uint8, scaled by 1/255 as CleanRL and SB3 do before the first conv;
    /// features is (batch, OutputSize).
    /// </summary>
    public abstract void Forward(ReadOnlySpan<byte> frames, Span<float> features, int batch);
}
