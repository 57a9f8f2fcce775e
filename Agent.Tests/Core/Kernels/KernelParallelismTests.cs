using AgentRnn.Core.Kernels;

namespace AgentRnn.Tests.Core.Kernels;

/// <summary>
/// Tests that change the process-wide <see cref="KernelParallelism.MaxThreads"/> run alone (after the parallel
/// collections), so no other test's kernels see a changed limit and no other test changes it under them.
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
        int previous = KernelParallelism.MaxThreads;
        var slots = new int[items];
        var hits = new int[items];
        try
        {
            KernelParallelism.MaxThreads = maxThreads;
            fixed (int* s = slots, h = hits)
            {
                var record = new Record { Slots = s, Hits = h };
                KernelThreads.Run(&Mark, &record, items);
            }
        }
        finally
        {
            KernelParallelism.MaxThreads = previous;
        }
        return (slots, hits);
    }

    [Fact]
    public void MaxThreads_DefaultsToEveryThreadAndRejectsOutOfRange()
    {
        Assert.Equal(KernelParallelism.Available, KernelParallelism.MaxThreads);
        Assert.Equal(Math.Clamp(Environment.ProcessorCount, 1, 64), KernelParallelism.Available);
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelParallelism.MaxThreads = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => KernelParallelism.MaxThreads = KernelParallelism.Available + 1);
        Assert.Equal(KernelParallelism.Available, KernelParallelism.MaxThreads);
    }

    [Fact]
    public void Run_MaxThreadsOne_RunsEveryItemOnTheCallingThread()
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
        int previous = KernelParallelism.MaxThreads;
        using KernelIsa.Scope scope = KernelIsa.Force(level);
        try
        {
            KernelParallelism.MaxThreads = KernelParallelism.Available;
            linear.Forward(a, all, m);
            KernelParallelism.MaxThreads = 1;
            linear.Forward(a, one, m);
        }
        finally
        {
            KernelParallelism.MaxThreads = previous;
        }
        Assert.Equal(all, one);
    }
}
