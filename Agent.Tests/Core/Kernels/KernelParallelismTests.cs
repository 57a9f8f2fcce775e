using AgentRnn.Core.Kernels;

namespace AgentRnn.Tests.Core.Kernels;

/// <summary>
/// Tests that count the kernel threads a call used run alone (after the parallel collections): another test's job
/// holding the worker pool would make a call run on its caller only.
/// </summary>
[CollectionDefinition(nameof(KernelParallelismCollection), DisableParallelization = true)]
public sealed class KernelParallelismCollection;

[Collection(nameof(KernelParallelismCollection))]
public sealed unsafe class KernelParallelismTests
{
    private struct Record
    {
        public int* Slots;
        public int* Hits;
    }

    private static void Mark(void* state, int item, int slot)
    {
        var record = (Record*)state;
        record->Slots[item] = slot;
        Interlocked.Increment(ref record->Hits[item]);
        Thread.SpinWait(2000);
    }

    private static (int[] Slots, int[] Hits) RunItems(int maxThreads, int items)
    {
        var slots = new int[items];
        var hits = new int[items];
        using (KernelParallelism.Limit(maxThreads))
        {
            fixed (int* s = slots, h = hits)
            {
                var record = new Record { Slots = s, Hits = h };
                KernelThreads.Run(&Mark, &record, items);
            }
        }
        return (slots, hits);
    }

    [Fact]
    public void Limit_IsPerThreadAndScoped()
    {
        Assert.Equal(Math.Clamp(Environment.ProcessorCount, 1, 64), KernelParallelism.Available);
        Assert.Equal(KernelParallelism.Available, KernelParallelism.Effective);
        using (KernelParallelism.Limit(1))
        {
            Assert.Equal(1, KernelParallelism.Effective);
            int other = 0;
            var thread = new Thread(() => other = KernelParallelism.Effective);
            thread.Start();
            thread.Join();
            Assert.Equal(KernelParallelism.Available, other);
        }
        Assert.Equal(KernelParallelism.Available, KernelParallelism.Effective);
    }

    [Fact]
    public void Run_LimitOne_RunsEveryItemOnTheCallingThread()
    {
        (int[] slots, int[] hits) = RunItems(1, 64);
        Assert.All(hits, h => Assert.Equal(1, h));
        Assert.All(slots, s => Assert.Equal(0, s));
    }

    [Fact]
    public void Run_EveryThread_RunsEveryItemExactlyOnce()
    {
        (int[] slots, int[] hits) = RunItems(KernelParallelism.Available, 64);
        Assert.All(hits, h => Assert.Equal(1, h));
        Assert.All(slots, s => Assert.InRange(s, 0, KernelParallelism.Available - 1));
    }

    [Theory]
    [InlineData(IsaLevel.Scalar, 96)]
    [InlineData(IsaLevel.Vector128, 96)]
    [InlineData(IsaLevel.Vector256, 96)]
    [InlineData(IsaLevel.Vector512, 96)]
    [InlineData(IsaLevel.Vector256, 1)]
    [InlineData(IsaLevel.Vector512, 1)]
    public void Linear_OneThreadAndEveryThread_GiveTheSameBits(IsaLevel level, int m)
    {
        // Work is split into items by shape, not by the thread count, so the limit changes who computes, not what.
        const int N = 200, K = 900;
        var random = new Random(5);
        float[] a = Enumerable.Range(0, m * K).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        float[] b = Enumerable.Range(0, N * K).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        var linear = new Linear(b, [], N, K);
        var all = new float[m * N];
        var one = new float[m * N];
        using KernelIsa.Scope scope = KernelIsa.Force(level);
        linear.Forward(a, all, m);
        using (KernelParallelism.Limit(1))
        {
            linear.Forward(a, one, m);
        }
        Assert.Equal(all, one);
    }
}
