using AgentRnn.Core.Compute;
using AgentRnn.Core.Compute.Cpu;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Compute;

public sealed class CpuBackendTests(ITestOutputHelper output) : ComputeBackendContractTests(output), IDisposable
{
    private readonly CpuDevice _device = new();

    protected override ComputeDevice Device => _device;

    protected override ComputeDevice CreateDevice() => new CpuDevice();

    public void Dispose() => _device.Dispose();
}
