using System.Numerics.Tensors;
using AgentRnn.Core.Kernels;

namespace AgentRnn.Core.Compute.Cpu;

/// <summary>
/// The default device: buffers are managed arrays and layers are AgentRnn.Core.Kernels (Conv2d, Linear, MaxPool2d)
/// and the fused recurrent cores (AgentRnn.Core.Recurrent), run on the calling thread plus up to
/// <see cref="CpuDeviceOptions.Threads"/> − 1 kernel workers. Needs no native runtime.
/// </summary>
/// <remarks>Thread-safety: one thread at a time; the device owns scratch memory grown once and reused.</remarks>
public sealed class CpuDevice : ComputeDevice
{
    /// <summary>A CPU device with <paramref name="options"/> (default: every kernel thread, float32 weights).</summary>
    public CpuDevice(CpuDeviceOptions? options = null)
    {
        Options = options ?? CpuDeviceOptions.Default;
        Options.Validate();
    }

    /// <summary>This instance's settings.</summary>
    public CpuDeviceOptions Options { get; }

    private float[] _frames = [];
    private float[] _convScratch = [];

    /// <inheritdoc/>
    public override ComputeBackendKind Kind => ComputeBackendKind.Cpu;

    /// <inheritdoc/>
    public override string Name => "cpu";

    /// <inheritdoc/>
    public override long MemoryBytes => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>Caps the kernel threads of the calling thread at this device's <see cref="CpuDeviceOptions.Threads"/> until disposed.</summary>
    internal KernelParallelism.Scope EnterKernels() => KernelParallelism.Limit(Options.Threads);

    /// <summary>The convolutions' shared scratch, grown once to the largest request.</summary>
    internal Span<float> ConvScratch(int count)
    {
        if (_convScratch.Length < count)
        {
            _convScratch = new float[count];
        }
        return _convScratch.AsSpan(0, count);
    }

    /// <summary>Scratch for uint8 frames scaled to float, grown once to the largest request.</summary>
    internal Span<float> FrameScratch(int count)
    {
        if (_frames.Length < count)
        {
            _frames = new float[count];
        }
        return _frames.AsSpan(0, count);
    }

    /// <inheritdoc/>
    protected override ConvLayer CreateConvCore(ConvSpec spec, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias) => new CpuConvLayer(this, spec, weight, bias);

    /// <inheritdoc/>
    protected override LinearLayer CreateLinearCore(int inFeatures, int outFeatures, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Activation activation) =>
        new CpuLinearLayer(this, inFeatures, outFeatures, weight, bias, activation);

    /// <inheritdoc/>
    protected override RecurrentLayer CreateRecurrentCore(RecurrentSpec spec, Func<string, Tensor> parameters, int slots) => new CpuRecurrentLayer(this, spec, parameters, slots);

    /// <inheritdoc/>
    protected override MaxPoolLayer CreateMaxPool2dCore(int kernel, int stride, int padding) => new CpuMaxPoolLayer(this, kernel, stride, padding);

    /// <inheritdoc/>
    protected override void ActivateCore(DeviceView<float> x, Activation activation)
    {
        Activations.Apply(activation, Span(x));
        Touch(x);
    }

    /// <inheritdoc/>
    protected override void CopyCore(DeviceView<float> source, DeviceView<float> destination)
    {
        Span(source).CopyTo(Span(destination));
        Touch(destination);
    }

    /// <inheritdoc/>
    protected override DeviceBuffer<T> AllocateCore<T>(int length) => new CpuBuffer<T>(this, length);

    /// <inheritdoc/>
    protected override void SynchronizeCore()
    {
    }

    /// <inheritdoc/>
    protected override void DisposeCore()
    {
        _frames = [];
        _convScratch = [];
    }

    internal static Span<float> Span(DeviceView<float> view) => ((CpuBuffer<float>)view.Buffer).Span(view);

    internal static void Touch(DeviceView<float> view) => ((CpuBuffer<float>)view.Buffer).Touch();
}
