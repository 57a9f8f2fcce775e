namespace AgentRnn.Tests;

public sealed class SteadyAllocationTests
{
    [Fact]
    public void Windows_SeeAnAllocationPerCallInEveryWindow_AndNoneWithout()
    {
        int calls = 0;
        long[] allocating = SteadyAllocation.Windows(() => GC.KeepAlive(new byte[100]), calls: 5);
        long[] quiet = SteadyAllocation.Windows(() => calls++, calls: 5);
        // A 100-byte array is at least 100 bytes plus its header: five per window.
        Assert.All(allocating, bytes => Assert.True(bytes >= 5 * 100, $"window counted {bytes} bytes"));
        Assert.Equal(0, quiet.Min());
        Assert.Equal(15, calls);
    }
}
