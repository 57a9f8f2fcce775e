using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace AgentRnn.Core.Compute.Ilgpu;

/// <summary>One accelerator ILGPU found: the <c>--backend</c> name it answers to, its index within that backend, its name and memory.</summary>
/// <param name="Backend">"cuda", "opencl" or "ilgpu-cpu" — the value <c>--backend</c> takes.</param>
/// <param name="Index">Its number among that backend's devices — the value <c>--device</c> takes.</param>
/// <param name="Name">The driver's name for it.</param>
/// <param name="MemoryBytes">Device memory in bytes (host memory for the CPU accelerator).</param>
public sealed record IlgpuDeviceInfo(string Backend, int Index, string Name, long MemoryBytes);

/// <summary>
/// Finds ILGPU's accelerators and opens one: CUDA (through the NVIDIA driver, no toolkit needed), OpenCL (through an
/// installed ICD) and ILGPU's CPU accelerator (an emulator, always present: tests and CI run the kernels on it).
/// </summary>
public static class IlgpuPlatform
{
    /// <summary>The <c>--backend</c> name of ILGPU's CPU accelerator.</summary>
    public const string CpuBackend = "ilgpu-cpu";

    /// <summary>The <c>--backend</c> name of CUDA devices.</summary>
    public const string CudaBackend = "cuda";

    /// <summary>The <c>--backend</c> name of OpenCL devices.</summary>
    public const string OpenClBackend = "opencl";

    /// <summary>
    /// The CPU accelerator's shape: 4 threads a warp, 4 warps a group (16 threads, so 4×4 GEMM tiles), as many
    /// multiprocessors as cores up to 4. It runs every group thread as an OS thread, so small groups keep it usable.
    /// </summary>
    internal static CPUDevice CpuDevice { get; } = new(4, 4, Math.Clamp(Environment.ProcessorCount, 1, 4));

    /// <summary>Every accelerator ILGPU finds, CUDA first, then OpenCL, then the CPU accelerator.</summary>
    public static IReadOnlyList<IlgpuDeviceInfo> List()
    {
        using Context context = CreateContext(AcceleratorType.Cuda, AcceleratorType.OpenCL, AcceleratorType.CPU);
        var result = new List<IlgpuDeviceInfo>();
        foreach ((AcceleratorType type, string backend) in Backends)
        {
            int index = 0;
            foreach (Device device in context.Devices)
            {
                if (device.AcceleratorType == type)
                {
                    result.Add(new IlgpuDeviceInfo(backend, index++, device.Name, device.MemorySize));
                }
            }
        }
        return result;
    }

    /// <summary>Throws the one-line <see cref="ComputeBackendException"/> <see cref="Open"/> would, without creating an accelerator.</summary>
    internal static void Check(string backend, int index)
    {
        using Context context = CreateContext(TypeOf(backend));
        DeviceOf(context, backend, index);
    }

    /// <summary>
    /// Opens device <paramref name="index"/> of <paramref name="backend"/> ("cuda", "opencl" or "ilgpu-cpu");
    /// throws <see cref="ComputeBackendException"/> with one line when there is no such device.
    /// </summary>
    internal static (Context Context, Accelerator Accelerator) Open(string backend, int index)
    {
        Context context = CreateContext(TypeOf(backend));
        try
        {
            return (context, DeviceOf(context, backend, index).CreateAccelerator(context));
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    private static AcceleratorType TypeOf(string backend) => backend switch
    {
        CudaBackend => AcceleratorType.Cuda,
        OpenClBackend => AcceleratorType.OpenCL,
        CpuBackend => AcceleratorType.CPU,
        _ => throw new ComputeBackendException($"unknown ILGPU backend '{backend}'"),
    };

    private static Device DeviceOf(Context context, string backend, int index)
    {
        AcceleratorType type = TypeOf(backend);
        Device[] devices = [.. context.Devices.Where(d => d.AcceleratorType == type)];
        if (devices.Length == 0)
        {
            string why = type switch
            {
                AcceleratorType.Cuda => "no NVIDIA GPU found (no CUDA driver, libcuda.so, or it sees no device)",
                AcceleratorType.OpenCL => "no OpenCL device found (no OpenCL ICD installed, or none ILGPU can use)",
                _ => "ILGPU's CPU accelerator is unavailable",
            };
            throw new ComputeBackendException($"--backend {backend}: {why}; 'agent devices' lists what this machine has");
        }
        if (index < 0 || index >= devices.Length)
        {
            throw new ComputeBackendException($"--device {index} does not exist: the {backend} backend has {devices.Length} device(s), 0..{devices.Length - 1}");
        }
        return devices[index];
    }

    private static readonly (AcceleratorType Type, string Backend)[] Backends =
    [
        (AcceleratorType.Cuda, CudaBackend),
        (AcceleratorType.OpenCL, OpenClBackend),
        (AcceleratorType.CPU, CpuBackend),
    ];

    private static Context CreateContext(params AcceleratorType[] types) => Context.Create(builder =>
    {
        foreach (AcceleratorType type in types)
        {
            switch (type)
            {
                case AcceleratorType.Cuda: builder.Cuda(); break;
                case AcceleratorType.OpenCL: builder.OpenCL(); break;
                case AcceleratorType.CPU: builder.CPU(CpuDevice); break;
            }
        }
    });
}
