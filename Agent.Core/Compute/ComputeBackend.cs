using AgentRnn.Core.Compute.Cpu;
using AgentRnn.Core.Compute.Ilgpu;

namespace AgentRnn.Core.Compute;

/// <summary>Opens a <see cref="ComputeDevice"/> from the command line's <c>--backend</c> and <c>--device</c> values.</summary>
public static class ComputeBackend
{
    /// <summary>The names <c>--backend</c> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cpu", IlgpuPlatform.CudaBackend, IlgpuPlatform.OpenClBackend, IlgpuPlatform.CpuBackend];

    /// <summary>Parses a <c>--backend</c> value (case-insensitive); throws a one-line <see cref="ComputeBackendException"/> otherwise.</summary>
    public static ComputeBackendKind Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "cpu" => ComputeBackendKind.Cpu,
        IlgpuPlatform.CudaBackend => ComputeBackendKind.Cuda,
        IlgpuPlatform.OpenClBackend => ComputeBackendKind.OpenCl,
        IlgpuPlatform.CpuBackend => ComputeBackendKind.IlgpuCpu,
        _ => throw new ComputeBackendException($"unknown --backend '{name}'; use one of: {string.Join(", ", Names)}"),
    };

    /// <summary>The <c>--backend</c> name of a kind ("cpu", "cuda", "opencl", "ilgpu-cpu").</summary>
    public static string NameOf(ComputeBackendKind kind) => kind switch
    {
        ComputeBackendKind.Cpu => "cpu",
        ComputeBackendKind.Cuda => IlgpuPlatform.CudaBackend,
        ComputeBackendKind.OpenCl => IlgpuPlatform.OpenClBackend,
        ComputeBackendKind.IlgpuCpu => IlgpuPlatform.CpuBackend,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown backend"),
    };

    /// <summary>
    /// Opens the backend's device. The CPU backend ignores nothing: 0 is its only device. The others open device
    /// <paramref name="device"/> of that ILGPU backend as <c>agent devices</c> numbers them and throw
    /// <see cref="ComputeBackendException"/> with one line when it does not exist (no NVIDIA driver, no OpenCL ICD).
    /// </summary>
    public static ComputeDevice Open(ComputeBackendKind kind, int device = 0)
    {
        if (kind == ComputeBackendKind.Cpu)
        {
            if (device != 0)
            {
                throw new ComputeBackendException($"--device {device} does not exist: the cpu backend has one device, 0");
            }
            return new CpuDevice();
        }
        return IlgpuDevice.Open(NameOf(kind), device);
    }

    /// <summary>
    /// Checks that device <paramref name="device"/> of <paramref name="kind"/> exists without opening it (no kernel
    /// compilation), so a command fails in one line before it decodes video or connects to an env.
    /// </summary>
    /// <exception cref="ComputeBackendException">No such device.</exception>
    public static void Check(ComputeBackendKind kind, int device)
    {
        if (kind == ComputeBackendKind.Cpu)
        {
            if (device != 0)
            {
                throw new ComputeBackendException($"--device {device} does not exist: the cpu backend has one device, 0");
            }
            return;
        }
        IlgpuPlatform.Check(NameOf(kind), device);
    }
}
