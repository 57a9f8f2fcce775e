using AgentRnn.Core;
using AgentRnn.Vision.Interop;

namespace AgentRnn.Vision;

/// <summary>
/// Turns raw frames of one fixed size and layout (decoded video, or a game's own RGB, RGBA, BGR, BGRA or gray
/// buffer, read in place) into stacked observations: uint8 (C, H, W), C = Stack × (1 gray or 3 RGB) planes, oldest
/// frame first. At the start of a stream (after construction or <see cref="Reset"/>) the first processed frame fills
/// the whole stack. Gray frames shrunk by a non-integer factor (1280×720 → 84×84) are resized by a native
/// re-implementation of cv::resize INTER_AREA that gives the same bytes in about 0.3 ms instead of 2–3 ms per
/// 1280×720 frame (eight rows at a time, the same float operations in the same order); every other resize is
/// cv::resize itself.
/// Contract: one thread uses an instance at a time. <see cref="Push(ReadOnlySpan{byte}, int)"/>, <see cref="Push(in GameFrame)"/>,
/// <see cref="Observation"/> and <see cref="CopyObservation"/> allocate nothing; the native side reuses its Mats.
/// <see cref="Observation"/> stays valid until the next Push or Reset.
/// </summary>
public sealed class FramePreprocessor : IDisposable
{
    private readonly PreprocessorHandle _handle;
    private readonly byte[] _observation;
    private readonly byte[] _frame;
    private readonly bool _maxPool;
    private long _rawFrames;
    private long _processedFrames;

    /// <summary>Creates a preprocessor for sourceWidth × sourceHeight frames in sourceFormat.</summary>
    public FramePreprocessor(int sourceWidth, int sourceHeight, PixelFormat sourceFormat, PreprocessOptions? options = null)
    {
        options ??= new PreprocessOptions();
        options.Validate();
        sourceFormat.BytesPerPixel();
        if (sourceWidth <= 0 || sourceHeight <= 0)
        {
            throw new FrameFormatException($"source frame size {sourceWidth}x{sourceHeight} is empty");
        }
        CropRect crop = options.Crop ?? new CropRect(0, 0, sourceWidth, sourceHeight);
        if ((long)crop.X + crop.Width > sourceWidth || (long)crop.Y + crop.Height > sourceHeight)
        {
            throw new AgentException($"crop {crop} does not lie inside the {sourceWidth}x{sourceHeight} frame");
        }
        var native = new NativePreprocessOptions
        {
            SourceWidth = sourceWidth,
            SourceHeight = sourceHeight,
            SourceFormat = (int)sourceFormat,
            CropX = crop.X,
            CropY = crop.Y,
            CropWidth = crop.Width,
            CropHeight = crop.Height,
            Grayscale = options.Grayscale ? 1 : 0,
            OutputWidth = options.Width,
            OutputHeight = options.Height,
        };
        NativeMethods.ThrowIfFailed(NativeMethods.imgproc_Preprocessor_new(native, out nint raw));
        _handle = new PreprocessorHandle(raw);
        NativeMethods.ThrowIfFailed(NativeMethods.imgproc_Preprocessor_channels(_handle, out int channels));
        Options = options;
        SourceWidth = sourceWidth;
        SourceHeight = sourceHeight;
        SourceFormat = sourceFormat;
        FrameChannels = channels;
        _maxPool = options.MaxPoolLastTwo && options.FrameSkip >= 2;
        _frame = new byte[FrameChannels * options.Height * options.Width];
        _observation = new byte[_frame.Length * options.Stack];
    }

    /// <summary>The options it was created with.</summary>
    public PreprocessOptions Options { get; }

    /// <summary>Source frame width.</summary>
    public int SourceWidth { get; }

    /// <summary>Source frame height.</summary>
    public int SourceHeight { get; }

    /// <summary>Source frame layout.</summary>
    public PixelFormat SourceFormat { get; }

    /// <summary>Packed source row: SourceWidth × bytes per pixel.</summary>
    public int SourceRowBytes => SourceWidth * SourceFormat.BytesPerPixel();

    /// <summary>Planes per processed frame: 1 (gray) or 3 (R, G, B).</summary>
    public int FrameChannels { get; }

    /// <summary>C of the observation: Stack × <see cref="FrameChannels"/>.</summary>
    public int OutputChannels => FrameChannels * Options.Stack;

    /// <summary>H of the observation.</summary>
    public int OutputHeight => Options.Height;

    /// <summary>W of the observation.</summary>
    public int OutputWidth => Options.Width;

    /// <summary>Bytes (and floats) in one observation: C·H·W.</summary>
    public int ObservationSize => _observation.Length;

    /// <summary>Raw frames pushed since the start of the stream.</summary>
    public long RawFrameCount => _rawFrames;

    /// <summary>Observations produced since the start of the stream.</summary>
    public long ObservationCount => _processedFrames;

    /// <summary>
    /// The latest observation, (C, H, W) uint8, oldest frame first; all zeros before the first one is ready.
    /// </summary>
    public ReadOnlySpan<byte> Observation => _observation;

    /// <summary>Pushes a packed frame (stride <see cref="SourceRowBytes"/>); see <see cref="Push(ReadOnlySpan{byte}, int)"/>.</summary>
    public bool Push(ReadOnlySpan<byte> frame) => Push(frame, SourceRowBytes);

    /// <summary>
    /// Pushes a game's frame buffer, read in place (no copy); see <see cref="Push(ReadOnlySpan{byte}, int)"/>. A frame
    /// whose size or layout differs from the one this preprocessor was created for throws a
    /// <see cref="FrameFormatException"/> naming both.
    /// </summary>
    public bool Push(in GameFrame frame)
    {
        if (frame.Width != SourceWidth || frame.Height != SourceHeight || frame.Format != SourceFormat)
        {
            throw new FrameFormatException(
                $"raw frame {_rawFrames}: the game frame is {frame.Width}x{frame.Height} {frame.Format}; this preprocessor takes {SourceWidth}x{SourceHeight} {SourceFormat}");
        }
        return Push(frame.Pixels, frame.Stride);
    }

    /// <summary>
    /// Pushes one raw frame, row y at y·stride, read in place. Returns true when a new observation is ready: on the
    /// last raw frame of each FrameSkip window. A frame of the wrong size, stride or length throws a
    /// <see cref="FrameFormatException"/> and leaves the observation unchanged.
    /// </summary>
    public unsafe bool Push(ReadOnlySpan<byte> frame, int stride)
    {
        ThrowIfDisposed();
        int skip = Options.FrameSkip;
        int position = (int)(_rawFrames % skip);
        bool ready = position == skip - 1;
        NativeStatus status;
        fixed (byte* data = frame)
        {
            var image = new NativeImage(data, frame.Length, SourceWidth, SourceHeight, stride, SourceFormat);
            if (ready)
            {
                fixed (byte* output = _frame)
                {
                    status = NativeMethods.imgproc_Preprocessor_run(_handle, &image, _maxPool ? 1 : 0, output, _frame.Length);
                }
            }
            else if (_maxPool && position == skip - 2)
            {
                status = NativeMethods.imgproc_Preprocessor_keep(_handle, &image);
            }
            else
            {
                // A skipped frame is not read, but a buffer that does not fit is still reported at once.
                status = NativeStatus.Ok;
                ThrowIfNotFitting(frame.Length, stride);
            }
        }
        GC.KeepAlive(this);
        if (status == NativeStatus.BadArgument)
        {
            throw new FrameFormatException($"raw frame {_rawFrames}: {NativeMethods.LastError()}");
        }
        NativeMethods.ThrowIfFailed(status);
        _rawFrames++;
        if (ready)
        {
            AppendFrame();
        }
        return ready;
    }

    /// <summary>Writes the observation as float32 (C, H, W), each byte divided by 255 (as CleanRL and SB3 do).</summary>
    public void CopyObservation(Span<float> destination)
    {
        ThrowIfDisposed();
        if (destination.Length < _observation.Length)
        {
            throw new ArgumentException($"destination holds {destination.Length} floats, the observation has {_observation.Length}", nameof(destination));
        }
        ReadOnlySpan<byte> source = _observation;
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = source[i] / 255f;
        }
    }

    /// <summary>Starts a new stream or episode: the next processed frame fills the stack again, the skip window restarts.</summary>
    public void Reset()
    {
        _rawFrames = 0;
        _processedFrames = 0;
        Array.Clear(_observation);
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();

    private void ThrowIfNotFitting(int length, int stride)
    {
        long row = SourceRowBytes;
        long needed = (SourceHeight - 1L) * stride + row;
        if (stride < row || needed > length)
        {
            throw new FrameFormatException(
                $"raw frame {_rawFrames}: a {SourceWidth}x{SourceHeight} {SourceFormat} frame needs a stride of at least {row} " +
                $"and {needed} bytes at stride {stride}, got stride {stride} and {length} bytes");
        }
    }

    // The stack shifts by one frame (oldest out); at the start of a stream the first frame fills every slot.
    private void AppendFrame()
    {
        int size = _frame.Length;
        if (_processedFrames == 0)
        {
            for (int slot = 0; slot < Options.Stack; slot++)
            {
                _frame.CopyTo(_observation.AsSpan(slot * size, size));
            }
        }
        else
        {
            _observation.AsSpan(size).CopyTo(_observation);
            _frame.CopyTo(_observation.AsSpan(_observation.Length - size));
        }
        _processedFrames++;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
}
