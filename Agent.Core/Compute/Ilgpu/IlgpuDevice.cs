using AgentRnn.Core.Kernels;
using ILGPU;
using ILGPU.Runtime;

namespace AgentRnn.Core.Compute.Ilgpu;

/// <summary>
/// A device on an ILGPU accelerator: CUDA (NVIDIA GPUs, through the driver alone), OpenCL, or ILGPU's CPU accelerator
/// (an emulator of GPU threads, for tests and CI). Layers keep their weights and the recurrent slots' state in device
/// memory; activations stay there between layers; only frames go up and the heads' outputs come down.
/// </summary>
/// <remarks>
/// Open one with <see cref="Open"/> (the backend and index <c>agent devices</c> shows). Compiling the kernels takes a
/// moment on first use (ILGPU compiles C# kernels at run time), so keep one device per process and reuse it.
/// Work is enqueued on the accelerator's default stream in call order; buffer reads wait for it.
/// Thread-safety: one thread at a time.
/// </remarks>
public sealed class IlgpuDevice : ComputeDevice
{
    private readonly Context _context;
    private readonly string _name;
    private readonly int _index;

    private IlgpuDevice(Context context, Accelerator accelerator, string backend, int index)
    {
        _context = context;
        Accelerator = accelerator;
        Backend = backend;
        _index = index;
        _name = accelerator.Name;
        Kind = backend switch
        {
            IlgpuPlatform.CudaBackend => ComputeBackendKind.Cuda,
            IlgpuPlatform.OpenClBackend => ComputeBackendKind.OpenCl,
            _ => ComputeBackendKind.IlgpuCpu,
        };
        Kernels = new IlgpuKernelSet(accelerator);
    }

    /// <summary>
    /// Opens device <paramref name="index"/> of <paramref name="backend"/> ("cuda", "opencl" or "ilgpu-cpu") and
    /// compiles the kernels; throws <see cref="ComputeBackendException"/> with one line when it does not exist.
    /// </summary>
    public static IlgpuDevice Open(string backend, int index = 0) => OpenShaped(backend, index, null);

    /// <summary>ILGPU's CPU accelerator with 16-thread groups, so GEMM and convolution run 4×4 shared-memory tiles with barriers as on a GPU (tests).</summary>
    internal static IlgpuDevice OpenTiledCpu() => OpenShaped(IlgpuPlatform.CpuBackend, 0, IlgpuPlatform.TiledCpuDevice);

    private static IlgpuDevice OpenShaped(string backend, int index, ILGPU.Runtime.CPU.CPUDevice? cpuShape)
    {
        (Context context, Accelerator accelerator) = IlgpuPlatform.Open(backend, index, cpuShape);
        try
        {
            return new IlgpuDevice(context, accelerator, backend, index);
        }
        catch (Exception e) when (e is not ComputeBackendException)
        {
            accelerator.Dispose();
            context.Dispose();
            throw new ComputeBackendException($"--backend {backend} --device {index}: the kernels did not compile for {accelerator.Name}: {e.Message}", e);
        }
    }

    /// <inheritdoc/>
    public override ComputeBackendKind Kind { get; }

    /// <summary>The <c>--backend</c> name: "cuda", "opencl" or "ilgpu-cpu".</summary>
    public string Backend { get; }

    /// <inheritdoc/>
    public override string Name => _name;

    /// <inheritdoc/>
    public override int Index => _index;

    /// <inheritdoc/>
    public override long MemoryBytes => Accelerator.MemorySize;

    /// <summary>Side of the GEMM and convolution tiles the kernels use on this accelerator.</summary>
    public int Tile => Kernels.Tile;

    internal Accelerator Accelerator { get; }

    internal IlgpuKernelSet Kernels { get; }

    internal static ArrayView<T> View<T>(DeviceView<T> view)
        where T : unmanaged => ((IlgpuBuffer<T>)view.Buffer).View(view);

    /// <inheritdoc/>
    protected override ConvLayer CreateConvCore(ConvSpec spec, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias) => new IlgpuConvLayer(this, spec, weight, bias);

    /// <inheritdoc/>
    protected override LinearLayer CreateLinearCore(int inFeatures, int outFeatures, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Activation activation) =>
        new IlgpuLinearLayer(this, inFeatures, outFeatures, weight, bias, activation);

    /// <inheritdoc/>
    protected override RecurrentLayer CreateRecurrentCore(RecurrentSpec spec, Func<string, Tensor> parameters, int slots) => new IlgpuRecurrentLayer(this, spec, parameters, slots);

    /// <inheritdoc/>
    protected override MaxPoolLayer CreateMaxPool2dCore(int kernel, int stride, int padding) => new IlgpuMaxPoolLayer(this, kernel, stride, padding);

    /// <inheritdoc/>
    protected override void ActivateCore(DeviceView<float> x, Activation activation) => Kernels.Activate(View(x), x.Length, activation);

    /// <inheritdoc/>
    protected override void CopyCore(DeviceView<float> source, DeviceView<float> destination) => View(source).CopyTo(View(destination));

    /// <inheritdoc/>
    protected override DeviceBuffer<T> AllocateCore<T>(int length) => new IlgpuBuffer<T>(this, length);

    /// <inheritdoc/>
    protected override void SynchronizeCore() => Accelerator.Synchronize();

    /// <inheritdoc/>
    protected override void DisposeCore()
    {
        Kernels.Dispose();
        Accelerator.Dispose();
        _context.Dispose();
    }

    /// <summary>Allocates raw device memory for a layer's weights or scratch (owned and freed by the layer).</summary>
    internal MemoryBuffer1D<T, Stride1D.Dense> AllocateRaw<T>(ReadOnlySpan<T> data)
        where T : unmanaged
    {
        MemoryBuffer1D<T, Stride1D.Dense> memory = Accelerator.Allocate1D<T>(Math.Max(1, data.Length));
        if (!data.IsEmpty)
        {
            ((ArrayView<T>)memory.View).SubView(0, data.Length).CopyFromCPU(data);
        }
        return memory;
    }

    /// <summary>Allocates zeroed raw device memory of <paramref name="length"/> elements.</summary>
    internal MemoryBuffer1D<T, Stride1D.Dense> AllocateZeroed<T>(long length)
        where T : unmanaged
    {
        MemoryBuffer1D<T, Stride1D.Dense> memory = Accelerator.Allocate1D<T>(Math.Max(1, length));
        memory.MemSetToZero();
        return memory;
    }
}
