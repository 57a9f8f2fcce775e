using AgentRnn.Vision.OpenCv;

namespace AgentRnn.Vision;

/// <summary>
/// A bounded first-in, first-out queue of decoded frames, kept for a writer downstream (an annotated copy written as
/// the frames are labelled, so the video is decoded once). Each slot is a packed BGR picture of Width × Height with
/// <see cref="ExtraRows"/> more rows below it, which the consumer fills (an info strip) before writing the whole slot.
/// One producer thread <see cref="Put"/>s frames (BGR copied, gray expanded to BGR); one consumer thread reads the
/// oldest with <see cref="Peek"/> and frees it with <see cref="Advance"/>. A producer that gets
/// <see cref="Capacity"/> frames ahead waits for the consumer (so the capacity must cover the frames in flight
/// between the two, or the producer waits for frames the consumer cannot reach); <see cref="Complete"/> releases it.
/// All slots are allocated up front: Put, Peek and Advance allocate nothing.
/// </summary>
public sealed unsafe class FrameRing : IDisposable
{
    private readonly byte[][] _slots;
    private readonly SemaphoreSlim _free;
    private long _written;
    private long _read;
    private volatile bool _completed;

    /// <summary>Creates capacity slots of width × (height + extraRows) BGR pixels, the extra rows black.</summary>
    public FrameRing(int width, int height, int extraRows, int capacity)
    {
        if (width <= 0 || height <= 0 || extraRows < 0 || capacity < 1)
        {
            throw new ArgumentException($"a frame ring needs a positive size and capacity, got {width}x{height} + {extraRows} rows, capacity {capacity}");
        }
        Width = width;
        Height = height;
        ExtraRows = extraRows;
        Capacity = capacity;
        _slots = new byte[capacity][];
        for (int i = 0; i < capacity; i++)
        {
            _slots[i] = GC.AllocateArray<byte>(checked(width * 3 * (height + extraRows)), pinned: true);
        }
        _free = new SemaphoreSlim(capacity, capacity);
    }

    /// <summary>Picture width in pixels.</summary>
    public int Width { get; }

    /// <summary>Picture height in pixels (the rows <see cref="Put"/> fills).</summary>
    public int Height { get; }

    /// <summary>Rows below the picture, for the consumer to draw into.</summary>
    public int ExtraRows { get; }

    /// <summary>Frames the ring holds.</summary>
    public int Capacity { get; }

    /// <summary>Bytes in one packed BGR row: Width × 3.</summary>
    public int RowBytes => Width * 3;

    /// <summary>Frames put so far.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Frames taken (advanced past) so far.</summary>
    public long Read => Interlocked.Read(ref _read);

    /// <summary>
    /// Copies a Width × Height frame (BGR, or gray expanded to BGR; rows stride bytes apart) into the next slot,
    /// waiting while the ring is full. Returns false without copying once <see cref="Complete"/> was called.
    /// </summary>
    public bool Put(ReadOnlySpan<byte> frame, int stride, PixelFormat format)
    {
        if (format is not (PixelFormat.Bgr or PixelFormat.Gray))
        {
            throw new ArgumentException($"a frame ring takes BGR or gray frames, not {format}", nameof(format));
        }
        int row = Width * format.BytesPerPixel();
        long needed = (Height - 1L) * stride + row;
        if (stride < row || frame.Length < needed)
        {
            throw new FrameFormatException(
                $"frame {Written}: a {Width}x{Height} {format} frame needs a stride of at least {row} and {needed} bytes, got stride {stride} and {frame.Length} bytes");
        }
        while (!_free.Wait(50))
        {
            if (_completed)
            {
                return false;
            }
        }
        if (_completed)
        {
            return false;
        }
        byte[] slot = _slots[_written % Capacity];
        fixed (byte* source = frame)
        fixed (byte* destination = slot)
        {
            if (format == PixelFormat.Bgr)
            {
                Cv.CopyRows(source, stride, destination, RowBytes, RowBytes, Height);
            }
            else
            {
                Cv.CvtColor(source, stride, PixelFormat.Gray, destination, RowBytes, PixelFormat.Bgr, Width, Height);
            }
        }
        Interlocked.Increment(ref _written);
        return true;
    }

    /// <summary>
    /// The oldest frame not yet advanced past: the whole slot, Width × (Height + ExtraRows) packed BGR, picture on
    /// top. Throws an <see cref="InvalidOperationException"/> when no frame is waiting (the consumer got ahead of the
    /// producer: the pipeline handed over a result whose frame was never put).
    /// </summary>
    public Span<byte> Peek()
    {
        if (Read >= Written)
        {
            throw new InvalidOperationException($"frame ring: frame {Read} was asked for but only {Written} were put");
        }
        return _slots[_read % Capacity];
    }

    /// <summary>Frees the oldest slot for the producer.</summary>
    public void Advance()
    {
        if (Read >= Written)
        {
            throw new InvalidOperationException($"frame ring: cannot advance past frame {Read}, only {Written} were put");
        }
        Interlocked.Increment(ref _read);
        _free.Release();
    }

    /// <summary>Stops the ring: a waiting or later <see cref="Put"/> returns false (the consumer has gone).</summary>
    public void Complete() => _completed = true;

    /// <inheritdoc />
    public void Dispose()
    {
        _completed = true;
        _free.Dispose();
    }
}
