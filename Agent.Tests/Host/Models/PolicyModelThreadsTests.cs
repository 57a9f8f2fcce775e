using AgentRnn.Core.Compute.Cpu;
using AgentRnn.Core.Kernels;
using AgentRnn.Host.Models;
using AgentRnn.Tests.Core.Kernels;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Models;

/// <summary>
/// The CPU thread count is a model's own setting (<see cref="PolicyModel.CpuOptions"/>), not the process's: two
/// models in one process, one capped at one thread and one allowed every thread, step side by side and each keeps its cap.
/// </summary>
[Collection(nameof(KernelParallelismCollection))]
public sealed class PolicyModelThreadsTests(ITestOutputHelper output)
{
    [Fact]
    public void TwoModelsInOneProcess_EachKeepsItsOwnThreadCap()
    {
        PolicyModel single = PolicyModel.CreateDefault(seed: 1, new CpuDeviceOptions { Threads = 1 });
        PolicyModel every = single.WithCpu(new CpuDeviceOptions { Threads = 0 });
        Assert.Equal(1, single.CpuOptions.Threads);
        Assert.Equal(0, every.CpuOptions.Threads);
        const int batch = 4;
        var frames = new byte[batch * single.InputSize];
        new Random(2).NextBytes(frames);

        // Side by side on two threads, 6 steps each; each thread records the widest kernel job it ran.
        (int Widest, float[] Values) Steps(PolicyModel model)
        {
            var state = new float[batch * model.StateSize];
            PolicyOutputs outputs = model.CreateOutputs(batch);
            KernelThreads.WidestOnThisThread = 0;
            for (int i = 0; i < 6; i++)
            {
                model.Step(frames, state, default, outputs, batch);
            }
            return (KernelThreads.WidestOnThisThread, outputs.Values.AsSpan(0, batch).ToArray());
        }
        (int Widest, float[] Values) a = default, b = default;
        var first = new Thread(() => a = Steps(single));
        var second = new Thread(() => b = Steps(every));
        first.Start();
        second.Start();
        first.Join();
        second.Join();
        // Alone, the uncapped model may use every kernel thread (side by side it may find the pool busy and run alone).
        (int Widest, float[] Values) alone = Steps(every);
        (int Widest, float[] Values) capped = Steps(single);
        output.WriteLine($"widest job: capped {a.Widest} (side by side), {capped.Widest} (alone); "
            + $"uncapped {b.Widest} (side by side), {alone.Widest} (alone); {KernelParallelism.Available} available");

        Assert.Equal(1, a.Widest);
        Assert.Equal(1, capped.Widest);
        Assert.InRange(b.Widest, 1, KernelParallelism.Available);
        Assert.Equal(KernelParallelism.Available, alone.Widest);
        // The thread count changes who computes, not what: the same bits either way.
        Assert.Equal(a.Values, b.Values);
        Assert.Equal(capped.Values, alone.Values);
    }
}
