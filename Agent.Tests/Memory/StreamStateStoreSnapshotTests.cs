using System.Buffers.Binary;
using AgentRnn.Core;
using AgentRnn.Core.SafeTensors;
using AgentRnn.Memory;

namespace AgentRnn.Tests.Memory;

public class StreamStateStoreSnapshotTests
{
    [Fact]
    public void Restore_OwnSnapshot_RoundTripsStatesStepsAndIdleCounts()
    {
        StreamStateStore store = Sample();
        byte[] bytes = store.Snapshot();
        var copy = new StreamStateStore(3);
        copy.Add(555);

        copy.Restore(bytes);

        AssertSameContent(store, copy);
        Assert.False(copy.Contains(555));
        // Stream 10 was idle 1 step in the original; it must still be the only one evicted at limit 0.
        Assert.Equal(1, copy.EvictIdle(0));
        Assert.False(copy.Contains(10));
    }

    [Fact]
    public void Restore_EveryTruncation_ThrowsAndLeavesStoreUnchanged()
    {
        byte[] bytes = Sample().Snapshot();
        var target = new StreamStateStore(3);
        target.Add(1);
        target.SetState(1, [4f, 5f, 6f]);
        for (int length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<StateSnapshotException>(() => target.Restore(bytes.AsSpan(0, length)));
        }
        Assert.Equal([1L], target.Ids());
        Assert.Equal([4f, 5f, 6f], State(target, 1));
    }

    [Fact]
    public void Restore_TrailingBytes_Throws()
    {
        byte[] bytes = [.. Sample().Snapshot(), 0];

        Assert.Throws<StateSnapshotException>(() => new StreamStateStore(3).Restore(bytes));
    }

    [Fact]
    public void Restore_HostileCount_ThrowsWithoutAllocatingForIt()
    {
        byte[] bytes = Sample().Snapshot();
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), int.MaxValue);

        var e = Assert.Throws<StateSnapshotException>(() => new StreamStateStore(3).Restore(bytes));

        Assert.Contains("byte 12", e.Message);
    }

    [Theory]
    [InlineData(0, "magic")]
    [InlineData(4, "version")]
    [InlineData(8, "state size")]
    public void Restore_BadHeaderField_ThrowsNamingIt(int offset, string what)
    {
        byte[] bytes = Sample().Snapshot();
        bytes[offset] ^= 0x40;

        var e = Assert.Throws<StateSnapshotException>(() => new StreamStateStore(3).Restore(bytes));

        Assert.Contains(what, e.Message);
    }

    [Fact]
    public void Restore_DuplicateId_Throws()
    {
        byte[] bytes = Sample().Snapshot();
        long first = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(24));
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(24 + 16), first);

        var e = Assert.Throws<StateSnapshotException>(() => new StreamStateStore(3).Restore(bytes));

        Assert.Contains("appears twice", e.Message);
    }

    [Fact]
    public void Restore_LastStepBeyondSteps_Throws()
    {
        byte[] bytes = Sample().Snapshot();
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(24 + 8), 1_000_000);

        var e = Assert.Throws<StateSnapshotException>(() => new StreamStateStore(3).Restore(bytes));

        Assert.Contains("last step", e.Message);
    }

    [Fact]
    public void Restore_NaNState_Throws()
    {
        byte[] bytes = Sample().Snapshot();
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(bytes.Length - 4), float.NaN);

        var e = Assert.Throws<StateSnapshotException>(() => new StreamStateStore(3).Restore(bytes));

        Assert.Contains("non-finite", e.Message);
    }

    [Fact]
    public void Restore_RandomCorruptions_OnlyEverThrowSnapshotException()
    {
        byte[] valid = Sample().Snapshot();
        var random = new Random(17);
        int rejected = 0;
        for (int trial = 0; trial < 2000; trial++)
        {
            byte[] bytes = (byte[])valid.Clone();
            int flips = random.Next(1, 4);
            for (int i = 0; i < flips; i++)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }
            int length = random.Next(4) == 0 ? random.Next(bytes.Length + 1) : bytes.Length;
            var store = new StreamStateStore(3);
            try
            {
                store.Restore(bytes.AsSpan(0, length));
                Assert.Equal(store.Count, store.Ids().Length);
            }
            catch (StateSnapshotException)
            {
                rejected++;
            }
        }
        Assert.True(rejected > 0);
    }

    [Fact]
    public void Load_SavedFile_RoundTrips()
    {
        StreamStateStore store = Sample();
        string path = TempPath();
        try
        {
            store.Save(path);
            var loaded = new StreamStateStore(3);

            loaded.Load(path);

            AssertSameContent(store, loaded);
            using SafeTensorsFile file = SafeTensorsFile.Open(path);
            Assert.Equal("agentrnn.stream_state", file.Metadata["format"]);
            Assert.Equal([3, 3], file.Info("state").Shape);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_EmptyStore_RoundTrips()
    {
        var store = new StreamStateStore(3);
        string path = TempPath();
        try
        {
            store.Save(path);
            var loaded = new StreamStateStore(3);
            loaded.Add(1);

            loaded.Load(path);

            Assert.Equal(0, loaded.Count);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_OtherStateSize_ThrowsNamingPathAndLeavesStoreUnchanged()
    {
        string path = TempPath();
        try
        {
            Sample().Save(path);
            var other = new StreamStateStore(4);
            other.Add(8);

            var e = Assert.Throws<StateSnapshotException>(() => other.Load(path));

            Assert.Contains(path, e.Message);
            Assert.Contains("state size 3", e.Message);
            Assert.Equal([8L], other.Ids());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_ModelFileWithoutStreamMetadata_Throws()
    {
        string path = TempPath();
        try
        {
            SafeTensorsWriter.Write(path, [new KeyValuePair<string, Tensor>("state", new Tensor(1, 3))]);

            var e = Assert.Throws<StateSnapshotException>(() => new StreamStateStore(3).Load(path));

            Assert.Contains("format", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_IdCountDisagreesWithTensor_Throws()
    {
        string path = TempPath();
        try
        {
            var metadata = new Dictionary<string, string>
            {
                ["format"] = "agentrnn.stream_state", ["version"] = "1", ["state_size"] = "3",
                ["steps"] = "2", ["ids"] = "1,2", ["last_steps"] = "0,1",
            };
            SafeTensorsWriter.Write(path, [new KeyValuePair<string, Tensor>("state", new Tensor(3, 3))], metadata);

            var e = Assert.Throws<StateSnapshotException>(() => new StreamStateStore(3).Load(path));

            Assert.Contains("(3, 3)", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_TruncatedFile_ThrowsAgentException()
    {
        string path = TempPath();
        try
        {
            Sample().Save(path);
            byte[] bytes = File.ReadAllBytes(path);
            File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length - 5).ToArray());

            Assert.ThrowsAny<AgentException>(() => new StreamStateStore(3).Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    // Three streams with distinct states; stream 10 is idle for one step at the end.
    private static StreamStateStore Sample()
    {
        var store = new StreamStateStore(3);
        store.Add(10);
        store.Add(long.MaxValue);
        store.Add(-3);
        store.SetState(10, [1f, 2f, 3f]);
        store.SetState(long.MaxValue, [-1f, 0.5f, 1e-30f]);
        store.SetState(-3, [7f, 8f, 9f]);
        store.ResolveStep([long.MaxValue, -3], new int[2]);
        return store;
    }

    private static void AssertSameContent(StreamStateStore expected, StreamStateStore actual)
    {
        Assert.Equal(expected.Steps, actual.Steps);
        Assert.Equal(expected.Ids().Order(), actual.Ids().Order());
        foreach (long id in expected.Ids())
        {
            Assert.Equal(State(expected, id), State(actual, id));
        }
    }

    private static float[] State(StreamStateStore store, long id)
    {
        var state = new float[store.StateSize];
        store.CopyState(id, state);
        return state;
    }

    private static string TempPath() => Path.Combine(Path.GetTempPath(), $"agentrnn-store-{Guid.NewGuid():N}.safetensors");
}
