using AgentRnn.Core;
using AgentRnn.Host.Labeling.Report;
using AgentRnn.Host.Pipeline;

namespace AgentRnn.Cli.Labeling;

/// <summary>
/// The <c>--report</c> outputs of one <c>agent label</c> run: per reported video a <see cref="LabelTimeline"/> fed by
/// a <see cref="ReportSink"/> in front of the label sink, and its HTML and PNG files. The files are created (as
/// PATH.partial) before decoding, so an unwritable path fails first, and are written and renamed into place once
/// labelling ends, also after a broken stream or Ctrl+C, with what was labelled.
/// </summary>
/// <remarks>
/// <see cref="Outputs"/> lists every path written, for a command that checks its outputs with
/// <see cref="AgentRnn.Host.IO.OutputGuard"/> (label does not yet; <see cref="ReportPaths"/> checks them against the
/// other outputs and the videos by full path, as <see cref="LabelRequestBuilder"/> does).
/// </remarks>
internal sealed class LabelReports : IDisposable
{
    private readonly LabelTimeline?[] _timelines;
    private readonly (AtomicFile Html, AtomicFile Png)?[] _files;

    private LabelReports(LabelTimeline?[] timelines, (AtomicFile Html, AtomicFile Png)?[] files)
    {
        _timelines = timelines;
        _files = files;
    }

    /// <summary>Every file the reports write (HTML and PNG per reported video).</summary>
    public IEnumerable<string> Outputs => _files.OfType<(AtomicFile Html, AtomicFile Png)>().SelectMany(f => new[] { f.Html.Path, f.Png.Path });

    /// <summary>Creates the report files of <paramref name="request"/> for a model with <paramref name="classes"/> classes.</summary>
    public static LabelReports Open(LabelRequest request, int classes)
    {
        var timelines = new LabelTimeline?[request.Videos.Count];
        var files = new (AtomicFile Html, AtomicFile Png)?[request.Videos.Count];
        try
        {
            for (int v = 0; v < request.Reports.Count; v++)
            {
                if (request.Reports[v] is string html)
                {
                    AtomicFile htmlFile = AtomicFile.Create(html);
                    try
                    {
                        files[v] = (htmlFile, AtomicFile.Create(ReportPaths.Png(html)));
                    }
                    catch
                    {
                        htmlFile.Discard();
                        throw;
                    }
                    timelines[v] = new LabelTimeline(classes, probabilities: true, value: true);
                }
            }
        }
        catch
        {
            new LabelReports(timelines, files).Discard();
            throw;
        }
        return new LabelReports(timelines, files);
    }

    /// <summary><paramref name="sink"/> with the timelines fed in front of it; the sink itself when no report is asked for.</summary>
    public IResultSink Wrap(IResultSink sink) => _timelines.Any(t => t is not null) ? new ReportSink(sink, _timelines) : sink;

    /// <summary>
    /// Writes each report from what was labelled and returns the paths written. A PNG that cannot be drawn fails with
    /// one line after its HTML file is in place.
    /// </summary>
    public IReadOnlyList<string> Write(LabelRequest request, IReadOnlyList<VideoFrameSource> sources, ClassNames classes)
    {
        var written = new List<string>();
        for (int v = 0; v < _files.Length; v++)
        {
            if (_files[v] is not var (html, png) || _timelines[v] is not LabelTimeline timeline)
            {
                continue;
            }
            var video = sources[v].Video;
            var info = new ReportInfo
            {
                Video = request.Videos[v],
                Width = video.Width,
                Height = video.Height,
                Fps = video.Fps,
                DeclaredFrames = video.DeclaredFrameCount,
                Model = request.ModelDescription,
                Classes = classes.Names,
                MinSegment = request.MinSegment,
            };
            LabelReport report = LabelReport.Build(timeline, info);
            html.Write(HtmlReport.Render(report));
            html.Commit();
            written.Add(html.Path);
            byte[] image;
            try
            {
                image = ReportPng.Render(report);
            }
            catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or InvalidOperationException)
            {
                png.Discard();
                throw new AgentException($"{png.Path}: cannot draw the report's PNG ({e.GetBaseException().Message}); {html.Path} was written", e);
            }
            png.Write(image);
            png.Commit();
            written.Add(png.Path);
        }
        return written;
    }

    /// <summary>Deletes the partial files of a run that never started.</summary>
    public void Discard()
    {
        foreach ((AtomicFile html, AtomicFile png) in _files.OfType<(AtomicFile, AtomicFile)>())
        {
            html.Discard();
            png.Discard();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach ((AtomicFile html, AtomicFile png) in _files.OfType<(AtomicFile, AtomicFile)>())
        {
            html.Dispose();
            png.Dispose();
        }
    }
}
