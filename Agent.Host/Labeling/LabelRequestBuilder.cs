using AgentRnn.Core;
using AgentRnn.Vision;

namespace AgentRnn.Host.Labeling;

/// <summary>
/// Turns `agent label`'s options into a <see cref="LabelRequest"/>, rejecting contradictions with one clear line
/// before anything is opened.
/// </summary>
internal static class LabelRequestBuilder
{
    /// <summary>The fields --emit accepts.</summary>
    public static readonly string[] EmitFields = ["probs", "value"];

    /// <summary>The values --gray accepts.</summary>
    public static readonly string[] GrayNames = ["exact", "luma"];

    /// <summary>
    /// The gray conversion the command line asks for: --gray exact (or --exact-gray, its alias) is cv2's cvtColor,
    /// --gray luma the luma plane; null when neither is given (the model's declared conversion applies).
    /// </summary>
    public static GrayConversion? ResolveGray(string? gray, bool exactGray)
    {
        GrayConversion? named = gray?.ToLowerInvariant() switch
        {
            null => null,
            "exact" or "cvtcolor" => GrayConversion.CvtColor,
            "luma" => GrayConversion.Luma,
            _ => throw new AgentException($"--gray: unknown conversion '{gray}' (expected {string.Join(" or ", GrayNames)})"),
        };
        if (exactGray && named == GrayConversion.Luma)
        {
            throw new AgentException("--exact-gray and --gray luma are contradictory: give one");
        }
        return exactGray ? GrayConversion.CvtColor : named;
    }

    /// <summary>Validates the options and resolves every output path.</summary>
    public static LabelRequest Build(IReadOnlyList<string> videos, string? output, string? outputDir, string? format,
        string? emit, string? segments, int? minSegment, string? annotate, string? classes, string? classesFile, string? report = null)
    {
        if (videos.Count == 0)
        {
            throw new AgentException("no video given");
        }
        if (output is not null && outputDir is not null)
        {
            throw new AgentException("--out and --out-dir are contradictory: give one");
        }
        bool several = videos.Count > 1;
        if (several && output is not null)
        {
            throw new AgentException($"--out names one file but {videos.Count} videos were given: use --out-dir DIR (one output per video)");
        }
        if (several && outputDir is null)
        {
            throw new AgentException($"{videos.Count} videos need --out-dir DIR (one output per video)");
        }
        if (classes is not null && classesFile is not null)
        {
            throw new AgentException("--classes and --classes-file are contradictory: give one");
        }
        if (minSegment is int min && min < 1)
        {
            throw new AgentException($"--min-segment must be at least 1 frame, not {min}");
        }
        if (minSegment is not null && segments is null && report is null)
        {
            throw new AgentException("--min-segment needs --segments FILE.csv or --report OUT.html");
        }
        if (report is not null && !several && Path.GetExtension(report).ToLowerInvariant() is not (".html" or ".htm"))
        {
            throw new AgentException($"--report {report}: name the HTML file, e.g. {Path.ChangeExtension(report, ".html")} (the PNG is written beside it)");
        }

        LabelFormat labelFormat = ResolveFormat(output, format);
        (bool probs, bool value) = ParseEmit(emit);
        string extension = labelFormat == LabelFormat.Csv ? ".csv" : ".jsonl";
        var stems = new HashSet<string>(StringComparer.Ordinal);
        var rows = new string?[videos.Count];
        var segmentPaths = new string?[videos.Count];
        var annotatePaths = new string?[videos.Count];
        var reportPaths = new string?[videos.Count];
        for (int v = 0; v < videos.Count; v++)
        {
            string stem = Path.GetFileNameWithoutExtension(videos[v]);
            if (several && !stems.Add(stem))
            {
                throw new AgentException($"two videos are named '{stem}': their outputs in --out-dir would collide");
            }
            rows[v] = outputDir is not null ? Path.Combine(outputDir, stem + extension) : output;
            // With several videos, --segments and --annotate name directories, one file per video inside.
            segmentPaths[v] = segments is null ? null : several ? Path.Combine(segments, stem + ".segments.csv") : segments;
            annotatePaths[v] = annotate is null ? null : several ? Path.Combine(annotate, stem + ".annotated.mp4") : annotate;
            reportPaths[v] = report is null ? null : several ? Path.Combine(report, stem + ".report.html") : report;
        }

        var used = new HashSet<string>(StringComparer.Ordinal);
        IEnumerable<string?> reportFiles = reportPaths.OfType<string>().SelectMany(html => new[] { html, Report.ReportPaths.Png(html) });
        foreach (string? path in rows.Concat(segmentPaths).Concat(annotatePaths).Concat(reportFiles))
        {
            if (path is not null && !used.Add(Path.GetFullPath(path)))
            {
                throw new AgentException($"{path}: named for two outputs");
            }
        }
        foreach (string video in videos)
        {
            if (used.Contains(Path.GetFullPath(video)))
            {
                throw new AgentException($"{video}: an output would overwrite the input video");
            }
        }

        return new LabelRequest
        {
            Videos = videos,
            Rows = rows,
            Format = labelFormat,
            EmitProbs = probs,
            EmitValue = value,
            Segments = segmentPaths,
            MinSegment = minSegment ?? 1,
            Annotate = annotatePaths,
            Reports = reportPaths,
            Classes = classes,
            ClassesFile = classesFile,
        };
    }

    private static LabelFormat ResolveFormat(string? output, string? format)
    {
        LabelFormat? fromFlag = format?.ToLowerInvariant() switch
        {
            null => null,
            "jsonl" => LabelFormat.Jsonl,
            "csv" => LabelFormat.Csv,
            _ => throw new AgentException($"--format: unknown format '{format}' (expected jsonl or csv)"),
        };
        LabelFormat? fromPath = output is null ? null : Path.GetExtension(output).ToLowerInvariant() switch
        {
            ".jsonl" or ".ndjson" or ".json" => LabelFormat.Jsonl,
            ".csv" => LabelFormat.Csv,
            _ => null,
        };
        if (output is not null && fromPath is null && fromFlag is null)
        {
            throw new AgentException($"--out {output}: cannot tell the format from the extension; use .jsonl or .csv, or --format");
        }
        if (fromFlag is not null && fromPath is not null && fromFlag != fromPath)
        {
            throw new AgentException($"--format {format} contradicts --out {output}");
        }
        return fromFlag ?? fromPath ?? LabelFormat.Jsonl;
    }

    private static (bool Probs, bool Value) ParseEmit(string? emit)
    {
        bool probs = false;
        bool value = false;
        if (emit is null)
        {
            return (probs, value);
        }
        foreach (string field in emit.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            switch (field.ToLowerInvariant())
            {
                case "probs":
                    probs = true;
                    break;
                case "value":
                    value = true;
                    break;
                default:
                    throw new AgentException($"--emit: unknown field '{field}' (expected {string.Join(", ", EmitFields)})");
            }
        }
        return (probs, value);
    }
}
