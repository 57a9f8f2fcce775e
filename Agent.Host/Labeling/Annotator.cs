using AgentRnn.Core;
using AgentRnn.Vision;

namespace AgentRnn.Host.Labeling;

/// <summary>
/// Writes the annotated copy of one video in the same pass as labelling: the video's frame source puts a BGR copy of
/// each labelled frame into <see cref="Ring"/> as it decodes it, and <see cref="Add"/> (on the sink's thread, in
/// frame order) draws the info strip under that frame — frame number, time, the top three labels with their scores —
/// and writes it. Opened before decoding starts (so an unwritable path fails first); written to a partial file with
/// the same extension (FFmpeg picks the container from it) and renamed into place by <see cref="Complete"/>, also
/// after a break or Ctrl+C, so the copy ends at the last frame labelled and plays.
/// </summary>
internal sealed class Annotator : IDisposable
{
    private readonly VideoWriter _writer;
    private readonly string _partial;
    private readonly string[] _topLabels = new string[InfoStrip.TopLabels];
    private readonly float[] _topScores = new float[InfoStrip.TopLabels];
    private bool _finished;

    private Annotator(string video, string path, string partial, VideoWriter writer, FrameRing ring, AnnotationCodec codec)
    {
        Video = video;
        Path = path;
        _partial = partial;
        _writer = writer;
        Ring = ring;
        Codec = codec;
    }

    /// <summary>The source video.</summary>
    public string Video { get; }

    /// <summary>The annotated copy's final path.</summary>
    public string Path { get; }

    /// <summary>Frames the source keeps for this writer.</summary>
    public FrameRing Ring { get; }

    /// <summary>The codec written and, when it is not the browser-playable one, why.</summary>
    public AnnotationCodec Codec { get; }

    /// <summary>Frames written.</summary>
    public int Frames => _writer.FrameCount;

    /// <summary>
    /// The file an annotated copy at <paramref name="path"/> is written to until it is complete: the same name with
    /// ".partial" before the extension (FFmpeg picks the container from the extension).
    /// </summary>
    public static string PartialPath(string path) =>
        System.IO.Path.ChangeExtension(path, ".partial" + System.IO.Path.GetExtension(path));

    /// <summary>
    /// Opens the writer for a width × height video at fps (the strip's rows added below) and a ring of
    /// <paramref name="ringFrames"/> frames, enough to cover the frames the pipeline has in flight.
    /// </summary>
    public static Annotator Create(string video, string path, int width, int height, double fps, int ringFrames)
    {
        string full = System.IO.Path.GetFullPath(path);
        string partial = PartialPath(full);
        int strip = InfoStrip.Rows(width, height);
        try
        {
            string? directory = System.IO.Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
            (VideoWriter writer, AnnotationCodec codec) = AnnotationCodec.Open(partial, fps > 0 ? fps : 30, width, height + strip);
            var ring = new FrameRing(width, height, strip, ringFrames);
            return new Annotator(video, full, partial, writer, ring, codec);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or AgentException)
        {
            throw new AgentException($"{path}: cannot write the annotated video ({e.Message})", e);
        }
    }

    /// <summary>
    /// Draws the strip under the oldest kept frame (the one this result labels) and writes it. Allocates nothing.
    /// </summary>
    public void Add(long frame, double seconds, ReadOnlySpan<float> probs, ClassNames classes)
    {
        Span<int> indices = stackalloc int[InfoStrip.TopLabels];
        int count = TopK(probs, _topScores, indices);
        for (int i = 0; i < count; i++)
        {
            _topLabels[i] = classes.Names[indices[i]];
        }
        Span<byte> slot = Ring.Peek();
        InfoStrip.Draw(slot, Ring.Width, Ring.Height, Ring.ExtraRows, frame, seconds, _topLabels.AsSpan(0, count), _topScores.AsSpan(0, count));
        _writer.Write(slot);
        Ring.Advance();
    }

    /// <summary>
    /// Finishes the file and renames it into place; returns false (and deletes it) when no frame was written, as a
    /// video with no frames does not play.
    /// </summary>
    public bool Complete()
    {
        if (_finished)
        {
            return File.Exists(Path);
        }
        _finished = true;
        Ring.Complete();
        _writer.Close();
        if (_writer.FrameCount == 0)
        {
            File.Delete(_partial);
            return false;
        }
        File.Move(_partial, Path, overwrite: true);
        return true;
    }

    /// <summary>Closes the writer and deletes the partial file, for a run that never started.</summary>
    public void Discard()
    {
        _finished = true;
        Ring.Complete();
        _writer.Dispose();
        File.Delete(_partial);
    }

    /// <summary>Closes the writer and the ring; a file <see cref="Complete"/> did not finish is deleted.</summary>
    public void Dispose()
    {
        if (!_finished)
        {
            Discard();
        }
        _writer.Dispose();
        Ring.Dispose();
    }

    // The k best indices by probability, best first (ties: the lower index), into scores and indices.
    internal static int TopK(ReadOnlySpan<float> probs, Span<float> scores, Span<int> buffer)
    {
        int k = Math.Min(buffer.Length, probs.Length);
        for (int i = 0; i < k; i++)
        {
            scores[i] = float.NegativeInfinity;
            buffer[i] = -1;
        }
        for (int a = 0; a < probs.Length; a++)
        {
            float p = float.IsNaN(probs[a]) ? float.NegativeInfinity : probs[a];
            int at = k;
            while (at > 0 && (buffer[at - 1] < 0 || p > scores[at - 1]))
            {
                at--;
            }
            if (at >= k)
            {
                continue;
            }
            for (int j = k - 1; j > at; j--)
            {
                scores[j] = scores[j - 1];
                buffer[j] = buffer[j - 1];
            }
            scores[at] = p;
            buffer[at] = a;
        }
        return k;
    }
}
