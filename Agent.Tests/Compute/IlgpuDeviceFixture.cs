using AgentRnn.Core.Compute.Ilgpu;

namespace AgentRnn.Tests.Compute;

/// <summary>
/// One ILGPU device on ILGPU's CPU accelerator per test class (what CI has; the same kernels CUDA and OpenCL run):
/// compiling the kernels is the slow part, so tests share it.
/// </summary>
public sealed class IlgpuDeviceFixture : IDisposable
{
    public IlgpuDevice Device { get; } = IlgpuDevice.Open(IlgpuPlatform.CpuBackend);

    public void Dispose() => Device.Dispose();
}
