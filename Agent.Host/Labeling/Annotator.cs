using AgentRnn.Core;
using AgentRnn.Vision;

namespace AgentRnn.Host.Labeling;

/// <summary>
/// Writes the annotated copy of one video: opened before decoding starts (so an unwritable path fails first),
/// filled after labelling by decoding the video again and drawing each frame's label and confidence bar.
/// Written to a partial file with the same extension (FFmpeg picks the container from it) and renamed at the end.
/// </summary>
internal sealed class Annotator : IDisposable
{
    private readonly VideoWriter _writer;
    private readonly string _partial;

    private Annotator(string video, string path, string partial, VideoWriter writer)
    {
        Video = video;
        Path = path;
        _partial = partial;
        _writer = writer;
    }

    /// <summary>The source video.</summary>
    public string Video { get; }

    /// <summary>The annotated copy's final path.</summary>
    public string Path { get; }

    /// <summary>
    /// The file an annotated copy at <paramref name="path"/> is written to until it is complete: the same name with
    /// ".partial" before the extension (FFmpeg picks the container from the extension).
    /// </summary>
    public static string PartialPath(string path) =>
        System.IO.Path.ChangeExtension(path, ".partial" + System.IO.Path.GetExtension(path));

    /// <summary>Opens the writer with the source's size and rate.</summary>
    public static Annotator Create(string video, string path, int width, int height, double fps)
    {
        string full = System.IO.Path.GetFullPath(path);
        string partial = PartialPath(full);
        string fourcc = System.IO.Path.GetExtension(full).ToLowerInvariant() switch
        {
            ".avi" => "MJPG",
            ".mkv" => "FFV1",
            _ => "mp4v",
        };
        try
        {
            string? directory = System.IO.Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
            VideoWriter writer = VideoWriter.Open(partial, fourcc, fps > 0 ? fps : 30, width, height, isColor: true);
            return new Annotator(video, full, partial, writer);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or AgentException)
        {
            throw new AgentException($"{path}: cannot write the annotated video ({e.Message})", e);
        }
    }

    /// <summary>
    /// Decodes the video again and writes one annotated frame per label, then closes the file (so it plays up to the
    /// last frame written) and renames it into place. Cancellation stops at the next frame; when it comes before the
    /// first frame the partial file is removed instead. Returns the frames written (0: removed or no labels).
    /// </summary>
    public int Write(IReadOnlyList<(int Action, float Score)> labels, ClassNames classes, CancellationToken cancellationToken)
    {
        int written = 0;
        using (VideoSource source = VideoSource.Open(Video, new VideoSourceOptions { Format = PixelFormat.Bgr }))
        {
            var frame = new byte[source.FrameBytes];
            for (int i = 0; i < labels.Count && !cancellationToken.IsCancellationRequested; i++)
            {
                if (!source.Read(frame, out _))
                {
                    break;
                }
                FrameAnnotator.Draw(frame, source.Width, source.Height, source.RowBytes, classes.Names[labels[i].Action], labels[i].Score);
                _writer.Write(frame);
                written++;
            }
        }
        if (written == 0 && labels.Count > 0 && cancellationToken.IsCancellationRequested)
        {
            Discard();
            return 0;
        }
        _writer.Close();
        File.Move(_partial, Path, overwrite: true);
        return written;
    }

    /// <summary>Closes the writer and deletes the partial file, for a run that never started.</summary>
    public void Discard()
    {
        _writer.Dispose();
        File.Delete(_partial);
    }

    /// <summary>Closes the writer (the partial file stays when <see cref="Write"/> did not run).</summary>
    public void Dispose() => _writer.Dispose();
}
