using AgentRnn.Host.IO;
using AgentRnn.Host.Labeling;
using AgentRnn.Host.Labeling.Report;

namespace AgentRnn.Cli.Labeling;

/// <summary>
/// Runs every output path of one <c>agent label</c> request through an <see cref="OutputGuard"/> before the model is
/// loaded or a frame decoded: the rows, segments, annotated copy and report (HTML and PNG) of each video, against the
/// videos, the model, the classes file and each other, through links and hard links, and with the partial file each
/// is written to first.
/// </summary>
internal static class LabelOutputCheck
{
    /// <summary>Throws an <see cref="OutputPathException"/> (one line, exit 1) for the first output that may not be written.</summary>
    /// <param name="request">The resolved request.</param>
    /// <param name="model">The model file (--model).</param>
    /// <param name="otherInputs">Any other file the run reads, with its role ("labels file").</param>
    public static OutputGuard Check(LabelRequest request, string? model, params (string Path, string Role)[] otherInputs)
    {
        foreach (string video in request.Videos)
        {
            InputFiles.Check(video, "video");
        }
        InputFiles.Check(model, "model");
        InputFiles.Check(request.ClassesFile, "classes file");
        var guard = new OutputGuard();
        foreach (string video in request.Videos)
        {
            guard.Input(video, "video");
        }
        if (model is not null)
        {
            guard.Input(model, "model");
        }
        if (request.ClassesFile is string classes)
        {
            guard.Input(classes, "classes file");
        }
        foreach ((string path, string role) in otherInputs)
        {
            guard.Input(path, role);
        }
        for (int v = 0; v < request.Videos.Count; v++)
        {
            if (request.Rows[v] is string rows)
            {
                guard.Output(rows, "rows file");
            }
            if (request.Segments[v] is string segments)
            {
                guard.Output(segments, "segments file");
            }
            if (request.Annotate[v] is string annotated)
            {
                guard.Output(annotated, "annotated video", Annotator.PartialPath(Path.GetFullPath(annotated)));
            }
            if (v < request.Reports.Count && request.Reports[v] is string html)
            {
                guard.Output(html, "report");
                guard.Output(ReportPaths.Png(html), "report's PNG");
            }
        }
        return guard;
    }
}
