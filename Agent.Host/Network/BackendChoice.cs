using System.Globalization;
using AgentRnn.Core.Compute;

namespace AgentRnn.Host.Network;

/// <summary>Which compute backend and device run the model: the command line's <c>--backend</c> and <c>--device</c>.</summary>
/// <param name="Kind">CPU (the PolicyModel path) or an accelerator backend.</param>
/// <param name="Device">Device index as <c>agent devices</c> lists them; 0 for the CPU.</param>
public sealed record BackendChoice(ComputeBackendKind Kind, int Device)
{
    /// <summary>The default: the CPU kernels, which need no native runtime.</summary>
    public static BackendChoice Cpu { get; } = new(ComputeBackendKind.Cpu, 0);

    /// <summary>True for the CPU backend (the <see cref="Core.Compute.Cpu.CpuDevice"/> a <see cref="Models.PolicyModel"/> builds its network on).</summary>
    public bool IsCpu => Kind == ComputeBackendKind.Cpu;

    /// <summary>
    /// Parses <c>--backend NAME --device N</c>; an unknown name, or a device other than 0 on the CPU, is a one-line
    /// <see cref="ComputeBackendException"/>. Accelerator device indices are checked when the device is opened.
    /// </summary>
    public static BackendChoice Parse(string name, int device)
    {
        ArgumentNullException.ThrowIfNull(name);
        ComputeBackendKind kind = ComputeBackend.Parse(name);
        if (device < 0)
        {
            throw new ComputeBackendException($"--device must be 0 or more, not {device}; list the devices with 'agent devices'");
        }
        if (kind == ComputeBackendKind.Cpu && device != 0)
        {
            throw new ComputeBackendException($"--device {device} does not exist: the cpu backend has one device, 0");
        }
        return new BackendChoice(kind, device);
    }

    /// <summary>
    /// Checks that the chosen device exists without opening it (no context, no kernel build), so a command fails in
    /// one line before it decodes video or connects to an env: no NVIDIA driver or OpenCL ICD, or no device with that index.
    /// </summary>
    /// <exception cref="ComputeBackendException">The runtime or the device is missing.</exception>
    public void CheckDevice() => ComputeBackend.Check(Kind, Device);

    /// <summary>Opens the chosen device (compiling the kernels of an accelerator); the caller owns it.</summary>
    /// <exception cref="ComputeBackendException">No runtime, or no such device (one line).</exception>
    public ComputeDevice Open() => ComputeBackend.Open(Kind, Device);

    /// <summary>"cpu" or e.g. "cuda device 0".</summary>
    public override string ToString() => IsCpu
        ? "cpu"
        : string.Create(CultureInfo.InvariantCulture, $"{ComputeBackend.NameOf(Kind)} device {Device}");
}
