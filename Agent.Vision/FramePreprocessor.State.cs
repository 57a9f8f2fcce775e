using System.Buffers.Binary;

namespace AgentRnn.Vision;

/// <summary>The stream state of a <see cref="FramePreprocessor"/>: snapshot, restore and reset.</summary>
public sealed partial class FramePreprocessor
{
    /// <summary>
    /// Bytes <see cref="SaveState"/> writes: the frame stack (<see cref="ObservationSize"/>), the max-pool buffer (the
    /// kept raw frame, cropped; empty without max-pooling), then the raw-frame and observation counters (little-endian
    /// int64 each). A snapshot fits only a preprocessor with the same geometry and options.
    /// </summary>
    public int StateBytes => _observation.Length + _kept.Length + 2 * sizeof(long);

    /// <summary>
    /// Writes the stream state (see <see cref="StateBytes"/>) into destination, which must be exactly
    /// <see cref="StateBytes"/> long (else an <see cref="ArgumentException"/> naming both lengths).
    /// </summary>
    public void SaveState(Span<byte> destination)
    {
        ThrowIfDisposed();
        RequireStateLength(destination.Length, nameof(destination));
        _observation.CopyTo(destination);
        _kept.CopyTo(destination[_observation.Length..]);
        Span<byte> counters = destination[(_observation.Length + _kept.Length)..];
        BinaryPrimitives.WriteInt64LittleEndian(counters, _rawFrames);
        BinaryPrimitives.WriteInt64LittleEndian(counters[sizeof(long)..], _processedFrames);
    }

    /// <summary>
    /// Restores a state <see cref="SaveState"/> wrote: the next Push continues that stream exactly. source must be
    /// exactly <see cref="StateBytes"/> long and hold non-negative counters with no more observations than raw
    /// frames; otherwise an <see cref="ArgumentException"/> says which, and nothing changes.
    /// </summary>
    public void RestoreState(ReadOnlySpan<byte> source)
    {
        ThrowIfDisposed();
        RequireStateLength(source.Length, nameof(source));
        ReadOnlySpan<byte> counters = source[(_observation.Length + _kept.Length)..];
        long raw = BinaryPrimitives.ReadInt64LittleEndian(counters);
        long processed = BinaryPrimitives.ReadInt64LittleEndian(counters[sizeof(long)..]);
        if (raw < 0 || processed < 0 || processed > raw)
        {
            throw new ArgumentException(
                $"preprocessor state: the counters ({raw} raw frames, {processed} observations) are not a state this preprocessor wrote", nameof(source));
        }
        source[.._observation.Length].CopyTo(_observation);
        source.Slice(_observation.Length, _kept.Length).CopyTo(_kept);
        _rawFrames = raw;
        _processedFrames = processed;
    }

    /// <summary>
    /// Starts a new stream or episode: clears the frame stack (the observation reads all zeros), the max-pool buffer
    /// and the counters, so the skip window restarts and the next processed frame fills the stack.
    /// </summary>
    public void Reset()
    {
        ThrowIfDisposed();
        _rawFrames = 0;
        _processedFrames = 0;
        Array.Clear(_observation);
        Array.Clear(_kept);
    }

    private void RequireStateLength(int length, string name)
    {
        if (length != StateBytes)
        {
            throw new ArgumentException($"preprocessor state: the buffer holds {length} bytes; this preprocessor's state is {StateBytes} bytes", name);
        }
    }
}
