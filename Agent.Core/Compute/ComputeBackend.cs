using AgentRnn.Core.Compute.Cpu;
using AgentRnn.Core.Compute.OpenCl;

namespace AgentRnn.Core.Compute;

/// <summary>Opens a <see cref="ComputeDevice"/> from the command line's <c>--backend</c> and <c>--device</c> values.</summary>
public static class ComputeBackend
{
    /// <summary>The names <c>--backend</c> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cpu", "opencl"];

    /// <summary>Parses a <c>--backend</c> value (case-insensitive); throws a one-line <see cref="ComputeBackendException"/> otherwise.</summary>
    public static ComputeBackendKind Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "cpu" => ComputeBackendKind.Cpu,
        "opencl" => ComputeBackendKind.OpenCl,
        _ => throw new ComputeBackendException($"unknown --backend '{name}'; use one of: {string.Join(", ", Names)}"),
    };

    /// <summary>
    /// Opens the backend's device. The CPU backend ignores <paramref name="device"/> (0 is its only device) and never
    /// loads OpenCL; the OpenCL backend opens device <paramref name="device"/> as <c>agent devices</c> numbers them and
    /// throws <see cref="ComputeBackendException"/> with one line when no runtime or no such device exists.
    /// </summary>
    public static ComputeDevice Open(ComputeBackendKind kind, int device = 0)
    {
        switch (kind)
        {
            case ComputeBackendKind.Cpu:
                if (device != 0)
                {
                    throw new ComputeBackendException($"--device {device} does not exist: the cpu backend has one device, 0");
                }
                return new CpuDevice();
            case ComputeBackendKind.OpenCl:
                return OpenClDevice.Open(device);
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown backend");
        }
    }
}
