using System.Numerics.Tensors;
using AgentRnn.Core;
using AgentRnn.Vision.OpenCv;

namespace AgentRnn.Vision;

/// <summary>
/// Turns raw frames of one fixed size and layout (decoded video, or a game's own RGB, RGBA, BGR, BGRA or gray
/// buffer, read in place, top-down or bottom-up) into stacked observations: uint8 (C, H, W), C = Stack × (1 gray or
/// 3 RGB) planes, oldest frame first. At the start of a stream (after construction or <see cref="Reset"/>) the first
/// processed frame fills the whole stack. Gray is cv::cvtColor (*2GRAY), resizing is cv::resize INTER_AREA, both
/// through OpenCvSharp; gray frames shrunk by a non-integer factor (1280×720 → 84×84) are resized by
/// <see cref="AreaResizer"/>, a managed re-implementation that gives the same bytes about ten times faster.
/// Contract: one thread uses an instance at a time. Push, <see cref="Observation"/>, <see cref="CopyObservation"/>,
/// <see cref="SaveState"/>, <see cref="RestoreState"/> and <see cref="Reset"/> allocate nothing.
/// <see cref="Observation"/> stays valid until the next Push, RestoreState or Reset.
/// </summary>
public sealed unsafe partial class FramePreprocessor : IDisposable
{
    private readonly byte[] _observation;
    private readonly byte[] _frame;
    private readonly byte[] _kept;
    private readonly byte[] _maxed;
    private readonly byte[] _converted;
    private readonly byte[] _flipped;
    private readonly byte[] _resized;
    private readonly AreaResizer? _area;
    private readonly CropRect _crop;
    private readonly bool _maxPool;
    private long _rawFrames;
    private long _processedFrames;
    private bool _disposed;

    /// <summary>Creates a preprocessor for sourceWidth × sourceHeight frames in sourceFormat.</summary>
    public FramePreprocessor(int sourceWidth, int sourceHeight, PixelFormat sourceFormat, PreprocessOptions? options = null)
    {
        options ??= new PreprocessOptions();
        options.Validate();
        int bytesPerPixel = sourceFormat.BytesPerPixel();
        if (sourceWidth <= 0 || sourceHeight <= 0)
        {
            throw new FrameFormatException($"source frame size {sourceWidth}x{sourceHeight} is empty");
        }
        CropRect crop = options.Crop ?? new CropRect(0, 0, sourceWidth, sourceHeight);
        if ((long)crop.X + crop.Width > sourceWidth || (long)crop.Y + crop.Height > sourceHeight)
        {
            throw new AgentException($"crop {crop} does not lie inside the {sourceWidth}x{sourceHeight} frame");
        }
        Options = options;
        SourceWidth = sourceWidth;
        SourceHeight = sourceHeight;
        SourceFormat = sourceFormat;
        FrameChannels = options.Grayscale || sourceFormat == PixelFormat.Gray ? 1 : 3;
        _crop = crop;
        _maxPool = options.MaxPoolLastTwo && options.FrameSkip >= 2;
        _frame = new byte[FrameChannels * options.Height * options.Width];
        _observation = new byte[_frame.Length * options.Stack];
        int cropPixels = crop.Width * crop.Height;
        _kept = new byte[_maxPool ? cropPixels * bytesPerPixel : 0];
        _maxed = Pinned(_maxPool ? cropPixels * bytesPerPixel : 0);
        _converted = Pinned(cropPixels * FrameChannels);
        if (FrameChannels == 1 && AreaResizer.Applies(crop.Width, crop.Height, options.Width, options.Height))
        {
            _area = new AreaResizer(crop.Width, crop.Height, options.Width, options.Height);
        }
        // Bottom-up frames are flipped upright before OpenCV resizes them, unless the area resizer reads them in place.
        _flipped = Pinned(_area is null ? cropPixels * FrameChannels : 0);
        _resized = Pinned(FrameChannels == 3 ? options.Width * options.Height * 3 : 0);
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

    /// <summary>The latest observation, (C, H, W) uint8, oldest frame first; all zeros before the first one is ready.</summary>
    public ReadOnlySpan<byte> Observation => _observation;

    /// <summary>Pushes a packed top-down frame (stride <see cref="SourceRowBytes"/>); see <see cref="Push(ReadOnlySpan{byte}, int)"/>.</summary>
    public bool Push(ReadOnlySpan<byte> frame) => Push(frame, SourceRowBytes);

    /// <summary>
    /// Pushes a game's frame buffer, read in place (no copy), honouring <see cref="GameFrame.BottomUp"/>; see
    /// <see cref="Push(ReadOnlySpan{byte}, int)"/>. A frame whose size or layout differs from the one this
    /// preprocessor was created for throws a <see cref="FrameFormatException"/> naming both.
    /// </summary>
    public bool Push(in GameFrame frame)
    {
        if (frame.Width != SourceWidth || frame.Height != SourceHeight || frame.Format != SourceFormat)
        {
            throw new FrameFormatException(
                $"raw frame {_rawFrames}: the game frame is {frame.Width}x{frame.Height} {frame.Format}; this preprocessor takes {SourceWidth}x{SourceHeight} {SourceFormat}");
        }
        return Push(frame.Pixels, frame.Stride, frame.BottomUp);
    }

    /// <summary>
    /// Pushes one raw top-down frame, row y at y·stride, read in place. Returns true when a new observation is ready:
    /// on the last raw frame of each FrameSkip window. A frame of the wrong size, stride or length throws a
    /// <see cref="FrameFormatException"/> and leaves the observation unchanged.
    /// </summary>
    public bool Push(ReadOnlySpan<byte> frame, int stride) => Push(frame, stride, bottomUp: false);

    /// <summary>
    /// Pushes one raw frame whose rows are stride bytes apart; with bottomUp the first stored row is the bottom of the
    /// image (an OpenGL glReadPixels read-back), and the frame is read upright without being copied where the resize
    /// allows it. See <see cref="Push(ReadOnlySpan{byte}, int)"/>.
    /// </summary>
    public bool Push(ReadOnlySpan<byte> frame, int stride, bool bottomUp)
    {
        ThrowIfDisposed();
        ThrowIfNotFitting(frame.Length, stride);
        int skip = Options.FrameSkip;
        int position = (int)(_rawFrames % skip);
        bool ready = position == skip - 1;
        fixed (byte* pixels = frame)
        {
            // The crop, upright: row y of the crop at top + y·step, whichever way the buffer stores rows.
            int bytesPerPixel = SourceFormat.BytesPerPixel();
            int storedRow = bottomUp ? SourceHeight - 1 - _crop.Y : _crop.Y;
            byte* top = pixels + (long)storedRow * stride + _crop.X * bytesPerPixel;
            nint step = bottomUp ? -stride : stride;
            if (ready)
            {
                Process(top, step);
            }
            else if (_maxPool && position == skip - 2)
            {
                fixed (byte* kept = _kept)
                {
                    Cv.CopyRows(top, step, kept, _crop.Width * bytesPerPixel, _crop.Width * bytesPerPixel, _crop.Height);
                }
            }
        }
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
        Span<float> output = destination[.._observation.Length];
        TensorPrimitives.ConvertTruncating<byte, float>(_observation, output);
        TensorPrimitives.Divide(output, 255f, output);
    }

    /// <inheritdoc />
    public void Dispose() => _disposed = true;

    private static byte[] Pinned(int length) => GC.AllocateArray<byte>(length, pinned: true);

    // Crop (already applied to top/step), max-pool, gray or RGB, INTER_AREA resize, into _frame's planes.
    private void Process(byte* top, nint step)
    {
        int bytesPerPixel = SourceFormat.BytesPerPixel();
        int cropRow = _crop.Width * bytesPerPixel;
        fixed (byte* maxed = _maxed)
        fixed (byte* kept = _kept)
        fixed (byte* converted = _converted)
        fixed (byte* frame = _frame)
        {
            if (_maxPool)
            {
                for (int y = 0; y < _crop.Height; y++)
                {
                    TensorPrimitives.Max(new ReadOnlySpan<byte>(top + y * step, cropRow), new ReadOnlySpan<byte>(kept + y * cropRow, cropRow),
                        new Span<byte>(maxed + y * cropRow, cropRow));
                }
                top = maxed;
                step = cropRow;
            }
            PixelFormat target = FrameChannels == 1 ? PixelFormat.Gray : PixelFormat.Rgb;
            if (SourceFormat != target)
            {
                // cvtColor is per pixel, so a bottom-up crop converts in its stored order; the result is then read
                // upright through a negative step like the source.
                int targetRow = _crop.Width * FrameChannels;
                byte* stored = step < 0 ? top + (_crop.Height - 1) * step : top;
                Cv.CvtColor(stored, Math.Abs(step), SourceFormat, converted, targetRow, target, _crop.Width, _crop.Height);
                top = step < 0 ? converted + (_crop.Height - 1) * targetRow : converted;
                step = step < 0 ? -targetRow : targetRow;
            }
            if (_area is not null)
            {
                _area.Run(top, step, frame, Options.Width);
                return;
            }
            if (step < 0)
            {
                fixed (byte* flipped = _flipped)
                {
                    int row = _crop.Width * FrameChannels;
                    Cv.FlipRows(top + (_crop.Height - 1) * step, -step, flipped, row, _crop.Width, _crop.Height, FrameChannels);
                    top = flipped;
                    step = row;
                }
            }
            if (FrameChannels == 1)
            {
                Cv.Resize(top, step, _crop.Width, _crop.Height, frame, Options.Width, Options.Width, Options.Height, 1, Cv.InterArea);
                return;
            }
            fixed (byte* resized = _resized)
            {
                Cv.Resize(top, step, _crop.Width, _crop.Height, resized, Options.Width * 3, Options.Width, Options.Height, 3, Cv.InterArea);
                Deinterleave(resized, frame, Options.Width * Options.Height);
            }
        }
    }

    // (H, W, 3) interleaved → (3, H, W) planes.
    private static void Deinterleave(byte* rgb, byte* planes, int pixels)
    {
        byte* r = planes, g = planes + pixels, b = planes + 2 * pixels;
        for (int i = 0; i < pixels; i++)
        {
            r[i] = rgb[3 * i];
            g[i] = rgb[3 * i + 1];
            b[i] = rgb[3 * i + 2];
        }
    }

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

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
