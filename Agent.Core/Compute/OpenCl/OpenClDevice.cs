using AgentRnn.Core.Compute.OpenCl.Interop;
using AgentRnn.Core.Kernels;

namespace AgentRnn.Core.Compute.OpenCl;

/// <summary>
/// An OpenCL device: one context, one in-order command queue and the backend's program built for the device.
/// Kernels are enqueued asynchronously and run in call order; buffer reads wait for them.
/// </summary>
/// <remarks>
/// Open one with <see cref="Open(int)"/> (the index <c>agent devices</c> shows) or <see cref="Open(OpenClDeviceType)"/>.
/// Building the program takes a moment (PoCL compiles through LLVM and caches the result on disk), so keep one device
/// per process and reuse it. Thread-safety: one thread at a time.
/// </remarks>
public sealed unsafe partial class OpenClDevice : ComputeDevice
{
    /// <summary>Work-items per work-group for the recurrences; large enough to fill a GPU's SIMD lanes.</summary>
    private const int RecurrentGroupSize = 256;

    /// <summary>Below this many rows one work-item per output beats staging 64-row tiles that would be mostly padding.</summary>
    private const int TiledGemmMinRows = 16;

    private readonly OpenClContextHandle _context;
    private readonly OpenClProgram _program;
    private readonly OpenClMemHandle _placeholder;
    private readonly int _lstmGroupLimit;
    private readonly int _gruGroupLimit;
    private DeviceBuffer<float>? _scratch;

    private OpenClDevice(OpenClDeviceInfo info)
    {
        Info = info;
        nint id = info.Id;
        int status;
        _context = NativeMethods.clCreateContext(null, 1, &id, 0, 0, &status);
        CheckCreated(_context, status, "clCreateContext");
        try
        {
            Queue = NativeMethods.clCreateCommandQueue(_context, id, 0, &status);
            CheckCreated(Queue, status, "clCreateCommandQueue");
            _program = OpenClProgram.BuildEmbedded(_context, id);
            _placeholder = CreateMemory(sizeof(float));
            // GPUs get local-memory tiles and one fused launch per sequence; CPU runtimes (PoCL) run work-group
            // barriers slowly, so there every kernel is barrier-free.
            bool gpu = (info.Type & OpenClDeviceType.Cpu) == 0;
            TiledGemm = gpu && WorkGroupLimit(OpenClProgram.GemmTiled) >= 256;
            FusedRecurrence = gpu;
            _lstmGroupLimit = WorkGroupLimit(OpenClProgram.LstmSequence);
            _gruGroupLimit = WorkGroupLimit(OpenClProgram.GruSequence);
        }
        catch
        {
            _program?.Dispose();
            Queue?.Dispose();
            _context.Dispose();
            throw;
        }
    }

    /// <summary>The device's description.</summary>
    public OpenClDeviceInfo Info { get; }

    /// <inheritdoc/>
    public override ComputeBackendKind Kind => ComputeBackendKind.OpenCl;

    /// <inheritdoc/>
    public override string Name => Info.Name;

    /// <inheritdoc/>
    public override int Index => Info.Index;

    /// <inheritdoc/>
    public override long MemoryBytes => Info.GlobalMemoryBytes;

    // The OpenCL binding is retiring (the ILGPU device replaces it); it serves DevicePolicyNetwork's raw kernels only.
    private ComputeBackendException Retiring() => new($"the OpenCL device {Name} is retiring and runs no layers; the ILGPU device replaces it");

    /// <inheritdoc/>
    protected override ConvLayer CreateConvCore(ConvSpec spec, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias) => throw Retiring();

    /// <inheritdoc/>
    protected override LinearLayer CreateLinearCore(int inFeatures, int outFeatures, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Activation activation) => throw Retiring();

    /// <inheritdoc/>
    protected override RecurrentLayer CreateRecurrentCore(RecurrentSpec spec, Func<string, Tensor> parameters, int slots) => throw Retiring();

    /// <inheritdoc/>
    protected override MaxPoolLayer CreateMaxPool2dCore(int kernel, int stride, int padding) => throw Retiring();

    /// <inheritdoc/>
    protected override void ActivateCore(DeviceView<float> x, Activation activation) => throw Retiring();

    /// <summary>GEMMs of 16 rows or more use the local-memory tiled kernel (default: on GPUs); tests force each path.</summary>
    internal bool TiledGemm { get; set; }

    /// <summary>Recurrences run as one work-group-per-stream launch over all steps (default: on GPUs) instead of one barrier-free launch per step.</summary>
    internal bool FusedRecurrence { get; set; }

    /// <summary>The in-order command queue every kernel and copy goes through.</summary>
    internal OpenClQueueHandle Queue { get; } = null!;

    /// <summary>Opens the device with index <paramref name="index"/> across all platforms.</summary>
    public static OpenClDevice Open(int index = 0) => new(OpenClRuntime.Device(index));

    /// <summary>Opens the first device whose type includes <paramref name="type"/>.</summary>
    public static OpenClDevice Open(OpenClDeviceType type) => new(OpenClRuntime.Device(type));

    /// <summary>Builds <paramref name="source"/> on this device's context (tests use it to check build errors).</summary>
    internal void BuildProgram(string source, params string[] kernels) => OpenClProgram.Build(_context, Info.Id, source, kernels).Dispose();

    /// <inheritdoc/>
    protected override DeviceBuffer<T> AllocateCore<T>(int length)
    {
        int bytes = checked(length * sizeof(T));
        OpenClMemHandle memory = CreateMemory(bytes);
        try
        {
            if (bytes > 0)
            {
                byte zero = 0;
                OpenClStatus.Check(NativeMethods.clEnqueueFillBuffer(Queue, memory, &zero, 1, 0, (nuint)bytes, 0, null, null), "clEnqueueFillBuffer");
            }
            return new OpenClBuffer<T>(this, memory, length);
        }
        catch
        {
            memory.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    protected override void SynchronizeCore() => OpenClStatus.Check(NativeMethods.clFinish(Queue), "clFinish");

    /// <inheritdoc/>
    protected override void DisposeCore()
    {
        // Let enqueued work finish before its buffers' memory goes; failures here have nowhere to go.
        _ = NativeMethods.clFinish(Queue);
        _scratch?.Dispose();
        _placeholder.Dispose();
        _program.Dispose();
        Queue.Dispose();
        _context.Dispose();
    }

    private static void CheckCreated(System.Runtime.InteropServices.SafeHandle handle, int status, string api)
    {
        if (status != OpenClStatus.Success || handle.IsInvalid)
        {
            handle.Dispose();
            OpenClStatus.Check(status == OpenClStatus.Success ? -5 : status, api);
        }
    }

    private OpenClMemHandle CreateMemory(int bytes)
    {
        int status;
        // A zero-length cl_mem is invalid; an empty buffer still gets one byte so every buffer has a handle.
        OpenClMemHandle memory = NativeMethods.clCreateBuffer(_context, NativeMethods.MemReadWrite, (nuint)Math.Max(bytes, 1), null, &status);
        CheckCreated(memory, status, "clCreateBuffer");
        return memory;
    }

    private int WorkGroupLimit(string kernel)
    {
        nuint size = 0;
        OpenClStatus.Check(NativeMethods.clGetKernelWorkGroupInfo(_program.Kernel(kernel), Info.Id, NativeMethods.KernelWorkGroupSize, (nuint)sizeof(nuint), &size, null), $"clGetKernelWorkGroupInfo({kernel})");
        return (int)Math.Min(size, int.MaxValue);
    }
}
