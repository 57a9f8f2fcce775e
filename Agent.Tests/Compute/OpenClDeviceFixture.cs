using AgentRnn.Core.Compute.OpenCl;

namespace AgentRnn.Tests.Compute;

/// <summary>One OpenCL device per test class: building the kernels is the slow part, so tests share it.</summary>
public sealed class OpenClDeviceFixture : IDisposable
{
    public OpenClDevice Device { get; } = OpenClDevice.Open(0);

    public void Dispose() => Device.Dispose();
}
