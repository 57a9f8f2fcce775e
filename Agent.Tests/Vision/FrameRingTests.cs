using AgentRnn.Vision;

namespace AgentRnn.Tests.Vision;

public class FrameRingTests
{
    [Fact]
    public void PutPeekAdvance_FirstInFirstOut_StripRowsLeftForTheConsumer()
    {
        using var ring = new FrameRing(4, 2, extraRows: 2, capacity: 3);
        for (byte i = 1; i <= 3; i++)
        {
            byte[] frame = Enumerable.Repeat(i, 4 * 2 * 3).ToArray();
            Assert.True(ring.Put(frame, 12, PixelFormat.Bgr));
        }
        for (byte i = 1; i <= 3; i++)
        {
            Span<byte> slot = ring.Peek();
            Assert.Equal(4 * 4 * 3, slot.Length);
            Assert.All(slot[..24].ToArray(), b => Assert.Equal(i, b));
            ring.Advance();
        }
        Assert.Throws<InvalidOperationException>(() => ring.Peek());
    }

    [Fact]
    public void Put_GrayWithStride_ExpandsToBgr()
    {
        using var ring = new FrameRing(2, 2, extraRows: 0, capacity: 1);
        byte[] gray = [10, 20, 99, 30, 40, 99];
        ring.Put(gray, 3, PixelFormat.Gray);
        Assert.Equal(new byte[] { 10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40 }, ring.Peek().ToArray());
    }

    [Fact]
    public async Task Put_Full_WaitsForAdvanceAndCompleteReleasesIt()
    {
        using var ring = new FrameRing(2, 2, extraRows: 0, capacity: 1);
        var frame = new byte[12];
        ring.Put(frame, 6, PixelFormat.Bgr);
        Task<bool> second = Task.Run(() => ring.Put(frame, 6, PixelFormat.Bgr));
        Assert.NotSame(second, await Task.WhenAny(second, Task.Delay(200)));
        ring.Advance();
        Assert.True(await second.WaitAsync(TimeSpan.FromSeconds(5)));

        Task<bool> third = Task.Run(() => ring.Put(frame, 6, PixelFormat.Bgr));
        Assert.NotSame(third, await Task.WhenAny(third, Task.Delay(100)));
        ring.Complete();
        Assert.False(await third.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Put_ShortBuffer_ThrowsFrameFormatException()
    {
        using var ring = new FrameRing(4, 2, extraRows: 0, capacity: 1);
        Assert.Throws<FrameFormatException>(() => ring.Put(new byte[20], 12, PixelFormat.Bgr));
        Assert.Throws<ArgumentException>(() => ring.Put(new byte[32], 16, PixelFormat.Rgba));
    }
}
