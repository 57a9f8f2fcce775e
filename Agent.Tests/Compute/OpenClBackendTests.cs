using AgentRnn.Core.Compute;
using AgentRnn.Core.Compute.Cpu;
using AgentRnn.Core.Compute.Network;
using AgentRnn.Core.Compute.OpenCl;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Compute;

/// <summary>The compute contract on OpenCL device 0 (PoCL's CPU device in CI), and parity with the CPU backend.</summary>
public sealed class OpenClBackendTests(OpenClDeviceFixture fixture, ITestOutputHelper output)
    : ComputeBackendContractTests(output), IClassFixture<OpenClDeviceFixture>
{
    protected override ComputeDevice Device => fixture.Device;

    protected override ComputeDevice CreateDevice() => OpenClDevice.Open(0);

    [Fact]
    public void PolicyNetwork_FullNatureCnnLstm_MatchesCpuBackendWithin1e4()
    {
        // 3 steps × 2 streams of random frames with a reset, on the full-size CleanRL network, both backends.
        const int steps = 3, batch = 2;
        PolicyNetworkSpec spec = PolicyFixtures.NatureCnnLstm(500);
        using var cpu = new CpuDevice();
        using var cpuNetwork = new DevicePolicyNetwork(cpu, spec, batch);
        using var clNetwork = new DevicePolicyNetwork(Device, spec, batch);
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
            clNetwork.Step(frames, starts, actual.AsSpan(t * batch * cpuNetwork.OutputSize), batch);
        }
        AssertClose(expected, actual, "NatureCNN+LSTM(512→256) OpenCL vs CPU backend, 3 steps × 2 streams");
        var cpuState = new float[cpuNetwork.StateSize];
        var clState = new float[cpuNetwork.StateSize];
        cpuNetwork.ReadState(batch - 1, cpuState);
        clNetwork.ReadState(batch - 1, clState);
        AssertClose(cpuState, clState, "NatureCNN+LSTM final state of the last stream, OpenCL vs CPU");
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void KernelPaths_GpuAndCpuVariants_MatchReference(bool tiledGemm, bool fusedRecurrence)
    {
        // PoCL is a CPU device, so by default it runs the barrier-free variants; this forces each path in turn
        // so the GPU kernels (local-memory tiled GEMM, one-launch recurrences) are checked too.
        OpenClDevice device = fixture.Device;
        (bool tiled, bool fused) = (device.TiledGemm, device.FusedRecurrence);
        device.TiledGemm = tiledGemm;
        device.FusedRecurrence = fusedRecurrence;
        try
        {
            Gemm_WithBias_MatchesReference(65, 66, 129, 2);
            Gemm_Accumulate_AddsPreviousCBeforeActivation(33, 40, 24);
            LstmSequence_WithResets_MatchesReference(3, 2, 5, 300);
            GruSequence_WithResets_MatchesReference(2, 2, 4, 270);
            PolicyNetwork_VectorObservationsTwoBranches_MatchesReference();
        }
        finally
        {
            (device.TiledGemm, device.FusedRecurrence) = (tiled, fused);
        }
    }
}
