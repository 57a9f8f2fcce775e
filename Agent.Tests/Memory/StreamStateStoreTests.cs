using AgentRnn.Core;
using AgentRnn.Memory;
using Xunit.Abstractions;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Tests.Memory;

public class StreamStateStoreTests(ITestOutputHelper output)
{
    [Fact]
    public void ResolveStep_StreamsComingAndGoing_StepsEachSlotAsPyTorch()
    {
        MemoryFixture f = MemoryFixture.Load("store_lstm_l2");
        RecurrentCore core = f.Core();
        int ticks = f.Int("ticks");
        int streams = f.Int("streams");
        int input = core.InputSize;
        int hidden = core.HiddenSize;
        var slots = new HostStateSlots(core.StateSize);
        var store = new StreamStateStore(slots);
        var ids = new long[streams];
        var rows = new int[streams];
        var y = new float[hidden];
        float worst = 0f;
        int compared = 0;
        for (int t = 0; t < ticks; t++)
        {
            int n = 0;
            for (int k = 0; k < streams; k++)
            {
                int s = (int)f["order"].Data[t * streams + k];
                if (f["active"].Data[t * streams + s] != 0f)
                {
                    ids[n++] = s;
                }
            }
            // New streams join at their first step with a zero state; the core steps each stream's slot in place.
            store.ResolveStep(ids.AsSpan(0, n), rows, addMissing: true);
            for (int i = 0; i < n; i++)
            {
                long s = ids[i];
                Span<float> state = slots.Row(rows[i]);
                core.ResetState(state, [f["episode_starts"].Data[t * streams + s]], 1);
                core.Step(f["x"].Span.Slice((t * streams + (int)s) * input, input), state, y, 1);
                worst = MathF.Max(worst, MemoryFixture.MaxAbsDiff(y, f["output"].Span.Slice((t * streams + (int)s) * hidden, hidden)));
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
    public void Remove_ThenAddAnother_ReusesTheSlotZeroed()
    {
        var slots = new HostStateSlots(2);
        var store = new StreamStateStore(slots);
        store.Add(1);
        store.SetState(1, [3f, 4f]);
        Assert.True(store.TryGetSlot(1, out int freed));

        store.Remove(1);
        store.Add(2);

        Assert.True(store.TryGetSlot(2, out int taken));
        Assert.Equal(freed, taken);
        Assert.Equal([0f, 0f], slots.Row(taken).ToArray());
    }

    [Fact]
    public void ResolveStep_UnknownId_ThrowsNamingIt()
    {
        var store = new StreamStateStore(2);
        store.Add(1);

        var e = Assert.Throws<KeyNotFoundException>(() => store.ResolveStep([1, 42], new int[2]));

        Assert.Contains("42", e.Message);
        Assert.Equal(0, store.Steps);
    }

    [Fact]
    public void ResolveStep_DuplicateId_ThrowsAndChangesNothing()
    {
        var store = new StreamStateStore(1);
        store.Add(1);
        store.Add(2);

        var e = Assert.Throws<ArgumentException>(() => store.ResolveStep([2, 1, 2], new int[3]));
        var missing = Assert.Throws<ArgumentException>(() => store.ResolveStep([7, 7], new int[2], addMissing: true));

        Assert.Contains("stream 2", e.Message);
        Assert.Contains("stream 7", missing.Message);
        Assert.Equal(0, store.Steps);
        Assert.Equal(2, store.Count);
    }

    [Fact]
    public void ResolveStep_AddMissing_AddsZeroedStreamsInOrder()
    {
        var store = new StreamStateStore(2);
        store.Add(5);
        store.SetState(5, [1f, 1f]);
        var slots = new int[3];

        store.ResolveStep([9, 5, 8], slots, addMissing: true);

        Assert.Equal(3, store.Count);
        Assert.Equal(3, slots.Distinct().Count());
        Assert.Equal([0f, 0f], State(store, 9));
        Assert.Equal([1f, 1f], State(store, 5));
        Assert.Equal(1, store.Steps);
    }

    [Fact]
    public void ResolveStep_ShortSlots_ThrowsNamingSizes()
    {
        var store = new StreamStateStore(4);
        store.Add(1);
        store.Add(2);

        var e = Assert.Throws<ArgumentException>(() => store.ResolveStep([1, 2], new int[1]));

        Assert.Contains("2 slot entries", e.Message);
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
    public void ResolveStep_Warm_AllocatesNothing()
    {
        var store = new StreamStateStore(16);
        long[] ids = [5, 3, 9, 1];
        var slots = new int[ids.Length];
        store.ResolveStep(ids, slots, addMissing: true);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            store.ResolveStep(ids, slots, addMissing: true);
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
        var slots = new int[2];
        for (int step = 0; step < 3; step++)
        {
            store.ResolveStep([1, 2], slots);
        }
        store.ResolveStep([1], slots);
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
    public void Store_AdoptsSlotsTheModelAlreadyHas()
    {
        var slots = new HostStateSlots(2);
        slots.EnsureSlots(5);
        var store = new StreamStateStore(slots);
        for (long id = 0; id < 5; id++)
        {
            Assert.True(store.Add(100 + id));
            Assert.True(store.TryGetSlot(100 + id, out int slot));
            Assert.Equal((int)id, slot);
        }
        Assert.Equal(5, slots.SlotCount);
        Assert.True(store.Add(200));
        Assert.True(slots.SlotCount > 5);
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
