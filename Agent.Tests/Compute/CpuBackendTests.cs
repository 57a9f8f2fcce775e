using AgentRnn.Core.Compute.Network;
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

    // The CPU device only: ILGPU's kernel launches allocate managed memory each step (measured on its CPU accelerator).

    [Fact]
    public void PolicyNetwork_StepsAfterWarmUp_AllocateNothing()
    {
        PolicyNetworkSpec spec = PolicyFixtures.CleanRlLike(800);
        using var network = new DevicePolicyNetwork(Device, spec, capacity: 3);
        byte[] frames = new byte[3 * network.ObservationSize];
        new Random(801).NextBytes(frames);
        var outputs = new float[3 * network.OutputSize];
        float[] starts = [0f, 1f, 0f];
        int[] slots = [2, 0, 1];
        network.Step(frames, starts, outputs, 3);
        network.Step(frames, slots, starts, outputs, 3);
        network.Sequence(frames, starts, outputs, 3);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            network.Step(frames, starts, outputs, 3);
            network.Step(frames, slots, default, outputs, 3);
            network.Sequence(frames, starts, outputs, 3, slot: 0);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{Device.Kind}: 15 steps allocated {allocated} bytes");
    }
}
