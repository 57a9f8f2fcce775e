using AgentRnn.Core;
using AgentRnn.Memory;
using Xunit.Abstractions;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Tests.Memory;

public class StreamStateStoreTests(ITestOutputHelper output)
{
    [Fact]
    public void GatherStepScatter_StreamsComingAndGoing_MatchesPyTorchPerStream()
    {
        MemoryFixture f = MemoryFixture.Load("store_lstm_l2");
        RecurrentCore core = f.Core();
        int ticks = f.Int("ticks");
        int streams = f.Int("streams");
        int input = core.InputSize;
        int hidden = core.HiddenSize;
        var store = new StreamStateStore(core);
        var ids = new long[streams];
        var batchState = new float[streams * core.StateSize];
        var x = new float[streams * input];
        var starts = new float[streams];
        var y = new float[streams * hidden];
        float worst = 0f;
        int compared = 0;
        for (int t = 0; t < ticks; t++)
        {
            int n = 0;
            for (int k = 0; k < streams; k++)
            {
                int s = (int)f["order"].Data[t * streams + k];
                if (f["active"].Data[t * streams + s] == 0f)
                {
                    continue;
                }
                store.Add(s);
                ids[n] = s;
                f["x"].Span.Slice((t * streams + s) * input, input).CopyTo(x.AsSpan(n * input, input));
                starts[n] = f["episode_starts"].Data[t * streams + s];
                n++;
            }
            store.Gather(ids.AsSpan(0, n), batchState);
            core.ResetState(batchState, starts, n);
            core.Step(x, batchState, y, n);
            Assert.Equal(n, store.Scatter(ids.AsSpan(0, n), batchState));
            for (int i = 0; i < n; i++)
            {
                long s = ids[i];
                ReadOnlySpan<float> expected = f["output"].Span.Slice((t * streams + (int)s) * hidden, hidden);
                worst = MathF.Max(worst, MemoryFixture.MaxAbsDiff(y.AsSpan(i * hidden, hidden), expected));
                compared++;
                if (f["remove"].Data[t * streams + s] == 1f)
                {
                    Assert.True(store.Remove(s));
                }
            }
        }
        output.WriteLine($"store over {ticks} ticks, {compared} stream-steps: max abs error {worst:E2} (tolerance {MemoryFixture.Tolerance:E0})");
        Assert.Equal(ticks, store.Steps);
        Assert.InRange(worst, 0f, MemoryFixture.Tolerance);
    }

    [Fact]
    public void Add_Existing_ReturnsFalseAndKeepsState()
    {
        var store = new StreamStateStore(3);
        Assert.True(store.Add(7));
        store.SetState(7, [1f, 2f, 3f]);

        Assert.False(store.Add(7));

        Assert.Equal([1f, 2f, 3f], State(store, 7));
        Assert.Equal(1, store.Count);
    }

    [Fact]
    public void Reset_HeldStream_ZeroesOnlyIt()
    {
        var store = new StreamStateStore(2);
        store.Add(1);
        store.Add(2);
        store.SetState(1, [5f, 6f]);
        store.SetState(2, [7f, 8f]);

        Assert.True(store.Reset(1));
        Assert.False(store.Reset(99));

        Assert.Equal([0f, 0f], State(store, 1));
        Assert.Equal([7f, 8f], State(store, 2));
    }

    [Fact]
    public void Remove_ThenAdd_StartsFromZeroState()
    {
        var store = new StreamStateStore(2);
        store.Add(-4);
        store.SetState(-4, [1f, 1f]);

        Assert.True(store.Remove(-4));
        Assert.False(store.Remove(-4));
        Assert.False(store.Contains(-4));
        store.Add(-4);

        Assert.Equal([0f, 0f], State(store, -4));
    }

    [Fact]
    public void Gather_UnknownId_ThrowsNamingIt()
    {
        var store = new StreamStateStore(2);
        store.Add(1);

        var e = Assert.Throws<KeyNotFoundException>(() => store.Gather([1, 42], new float[4]));

        Assert.Contains("42", e.Message);
    }

    [Fact]
    public void Scatter_DuplicateId_ThrowsAndWritesNothing()
    {
        var store = new StreamStateStore(1);
        store.Add(1);
        store.Add(2);

        var e = Assert.Throws<ArgumentException>(() => store.Scatter([2, 1, 2], [5f, 6f, 7f]));

        Assert.Contains("stream 2", e.Message);
        Assert.Equal([0f], State(store, 1));
        Assert.Equal([0f], State(store, 2));
        Assert.Equal(0, store.Steps);
    }

    [Fact]
    public void Gather_DuplicateId_Throws()
    {
        var store = new StreamStateStore(1);
        store.Add(3);

        Assert.Throws<ArgumentException>(() => store.Gather([3, 3], new float[2]));
    }

    [Fact]
    public void Scatter_StreamRemovedSinceGather_SkipsIt()
    {
        var store = new StreamStateStore(1);
        store.Add(1);
        store.Add(2);
        var batch = new float[2];
        store.Gather([1, 2], batch);
        store.Remove(1);

        int written = store.Scatter([1, 2], [9f, 10f]);

        Assert.Equal(1, written);
        Assert.False(store.Contains(1));
        Assert.Equal([10f], State(store, 2));
    }

    [Fact]
    public void Gather_ShortBatch_ThrowsNamingSizes()
    {
        var store = new StreamStateStore(4);
        store.Add(1);
        store.Add(2);

        var e = Assert.Throws<ArgumentException>(() => store.Gather([1, 2], new float[7]));

        Assert.Contains("need 8", e.Message);
    }

    [Fact]
    public void Add_ManyStreams_KeepsEveryStateAcrossGrowth()
    {
        var store = new StreamStateStore(3);
        for (long id = 0; id < 200; id++)
        {
            store.Add(id * 1000);
            store.SetState(id * 1000, [id, -id, id * 0.5f]);
        }

        Assert.Equal(200, store.Count);
        for (long id = 0; id < 200; id++)
        {
            Assert.Equal([id, -id, id * 0.5f], State(store, id * 1000));
        }
    }

    [Fact]
    public void GatherScatter_Warm_AllocatesNothing()
    {
        var store = new StreamStateStore(16);
        long[] ids = [5, 3, 9, 1];
        foreach (long id in ids)
        {
            store.Add(id);
        }
        var batch = new float[ids.Length * 16];
        store.Gather(ids, batch);
        store.Scatter(ids, batch);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            store.Gather(ids, batch);
            store.Scatter(ids, batch);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void EvictIdle_Steps_RemovesOnlyStreamsIdleLongerThanLimit()
    {
        var store = new StreamStateStore(1);
        store.Add(1);
        store.Add(2);
        store.Add(3);
        var batch = new float[2];
        for (int step = 0; step < 3; step++)
        {
            store.Gather([1, 2], batch);
            store.Scatter([1, 2], batch);
        }
        store.Gather([1], batch);
        store.Scatter([1], batch);
        var evicted = new List<long>();

        // Stream 3 is idle 4 steps, stream 2 one step, stream 1 none.
        int count = store.EvictIdle(3, evicted);

        Assert.Equal(1, count);
        Assert.Equal([3L], evicted);
        Assert.Equal(1, store.EvictIdle(0));
        Assert.Equal([1L], store.Ids());
    }

    [Fact]
    public void EvictIdle_Time_UsesTheStoresClock()
    {
        var clock = new ManualClock();
        var store = new StreamStateStore(1, clock);
        store.Add(1);
        clock.Advance(TimeSpan.FromSeconds(10));
        store.Add(2);
        clock.Advance(TimeSpan.FromSeconds(10));
        store.Reset(1);
        clock.Advance(TimeSpan.FromSeconds(5));
        var evicted = new List<long>();

        // Stream 1 was touched 5 s ago (Reset), stream 2 15 s ago.
        int count = store.EvictIdle(TimeSpan.FromSeconds(12), evicted);

        Assert.Equal(1, count);
        Assert.Equal([2L], evicted);
        Assert.True(store.Contains(1));
    }

    [Fact]
    public async Task Store_ConcurrentAddRemoveSnapshotWhileStepping_KeepsSteppedStatesExact()
    {
        var store = new StreamStateStore(2);
        long[] stepped = [0, 1, 2, 3];
        foreach (long id in stepped)
        {
            store.Add(id);
        }
        const int iterations = 2000;
        using var done = new CancellationTokenSource();
        var mirror = new StreamStateStore(2);
        int churned = 0;
        Task churn = Task.Run(() =>
        {
            long next = 100;
            while (!done.IsCancellationRequested)
            {
                store.Add(next);
                store.Reset(next);
                store.Remove(next - 3);
                mirror.Restore(store.Snapshot());
                store.EvictIdle(1_000_000);
                next++;
                Interlocked.Increment(ref churned);
            }
        });
        Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref churned) > 0, TimeSpan.FromSeconds(30)));
        var batch = new float[stepped.Length * 2];
        for (int i = 0; i < iterations; i++)
        {
            store.Gather(stepped, batch);
            for (int k = 0; k < batch.Length; k++)
            {
                batch[k] += 1f;
            }
            Assert.Equal(stepped.Length, store.Scatter(stepped, batch));
        }
        done.Cancel();
        await churn;
        output.WriteLine($"{iterations} gather/scatter cycles ran beside {churned} add/reset/remove/snapshot/evict rounds");

        foreach (long id in stepped)
        {
            Assert.Equal([iterations, iterations], State(store, id));
        }
    }

    private static float[] State(StreamStateStore store, long id)
    {
        var state = new float[store.StateSize];
        store.CopyState(id, state);
        return state;
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
