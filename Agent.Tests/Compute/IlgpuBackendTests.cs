using AgentRnn.Core.Compute;
using AgentRnn.Core.Compute.Cpu;
using AgentRnn.Core.Compute.Network;
using AgentRnn.Core.Compute.Ilgpu;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Compute;

/// <summary>The raw-kernel compute contract on the ILGPU device (ILGPU's CPU accelerator here), and parity with the CPU backend.</summary>
public sealed class IlgpuBackendTests(IlgpuDeviceFixture fixture, ITestOutputHelper output)
    : ComputeBackendContractTests(output), IClassFixture<IlgpuDeviceFixture>
{
    protected override ComputeDevice Device => fixture.Device;

    protected override ComputeDevice CreateDevice() => IlgpuDevice.Open(IlgpuPlatform.CpuBackend);

    [Fact]
    public void PolicyNetwork_FullNatureCnnLstm_MatchesCpuBackendWithin1e4()
    {
        // 3 steps × 2 streams of random frames with a reset, on the full-size CleanRL network, both backends.
        const int steps = 3, batch = 2;
        PolicyNetworkSpec spec = PolicyFixtures.NatureCnnLstm(500);
        using var cpu = new CpuDevice();
        using var cpuNetwork = new DevicePolicyNetwork(cpu, spec, batch);
        using var ilgpuNetwork = new DevicePolicyNetwork(Device, spec, batch);
        byte[] frames = new byte[batch * cpuNetwork.ObservationSize];
        var random = new Random(501);
        var starts = new float[batch];
        var expected = new float[steps * batch * cpuNetwork.OutputSize];
        var actual = new float[expected.Length];
        for (int t = 0; t < steps; t++)
        {
            random.NextBytes(frames);
            Array.Clear(starts);
            starts[t % batch] = t == 2 ? 1f : 0f;
            cpuNetwork.Step(frames, starts, expected.AsSpan(t * batch * cpuNetwork.OutputSize), batch);
            ilgpuNetwork.Step(frames, starts, actual.AsSpan(t * batch * cpuNetwork.OutputSize), batch);
        }
        AssertClose(expected, actual, "NatureCNN+LSTM(512→256) ILGPU vs CPU backend, 3 steps × 2 streams");
        var cpuState = new float[cpuNetwork.StateSize];
        var ilgpuState = new float[cpuNetwork.StateSize];
        cpuNetwork.ReadState(batch - 1, cpuState);
        ilgpuNetwork.ReadState(batch - 1, ilgpuState);
        AssertClose(cpuState, ilgpuState, "NatureCNN+LSTM final state of the last stream, ILGPU vs CPU");
    }
}
