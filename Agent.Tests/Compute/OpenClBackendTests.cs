using Agent.Core.Compute;
using Agent.Core.Compute.OpenCl;
using Xunit.Abstractions;

namespace Agent.Tests.Compute;

/// <summary>The compute contract on OpenCL device 0 (PoCL's CPU device in CI).</summary>
public sealed class OpenClBackendTests(OpenClDeviceFixture fixture, ITestOutputHelper output)
    : ComputeBackendContractTests(output), IClassFixture<OpenClDeviceFixture>
{
    protected override ComputeDevice Device => fixture.Device;

    protected override ComputeDevice CreateDevice() => OpenClDevice.Open(0);
}
