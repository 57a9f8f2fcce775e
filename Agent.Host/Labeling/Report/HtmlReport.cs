using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace AgentRnn.Host.Labeling.Report;

/// <summary>
/// Writes a <see cref="LabelReport"/> as one self-contained HTML file that works offline: the summary is plain HTML,
/// the timeline is drawn as inline SVG by an inline script from an inline JSON block. Nothing is fetched: the page's
/// Content-Security-Policy allows no source but the page's own script and style (by hash), so neither a script nor
/// an event handler that slipped into the page could run, and no request can leave it.
/// </summary>
/// <remarks>
/// User text (the video's path, the model line, class names) is HTML-encoded in markup and JSON-encoded with every
/// HTML-significant character escaped (<c>&lt;</c> as <c>\u003C</c>) in the data block, so no name can close the
/// block; the script puts names into the page only through textContent.
/// </remarks>
internal static class HtmlReport
{
    /// <summary>Probabilities and scores are written as integers in units of 1/Scale.</summary>
    public const int Scale = 10000;

    // Encodes what HTML gives meaning to (<, >, &, quotes) and leaves other text readable (×, →, names in any script).
    private static readonly HtmlEncoder Html = HtmlEncoder.Create(UnicodeRanges.All);

    private static readonly string Script = Resource("timeline.js");
    private static readonly string Style = Resource("timeline.css");

    /// <summary>The page's Content-Security-Policy.</summary>
    public static readonly string ContentSecurityPolicy =
        $"default-src 'none'; script-src '{Hash(Script)}'; style-src '{Hash(Style)}'; base-uri 'none'; form-action 'none'";

    /// <summary>The whole page as UTF-8.</summary>
    public static byte[] Render(LabelReport report) => Encoding.UTF8.GetBytes(RenderText(report));

    /// <summary>The whole page.</summary>
    public static string RenderText(LabelReport report)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        HtmlEncoder h = Html;
        ReportInfo info = report.Info;
        string name = Path.GetFileName(info.Video);
        var page = new StringBuilder(64 * 1024);
        page.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta http-equiv=\"Content-Security-Policy\" content=\"").Append(ContentSecurityPolicy).Append("\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
            .Append("<meta name=\"generator\" content=\"agent label --report\">\n")
            .Append("<title>").Append(h.Encode(name)).Append(" · labels</title>\n")
            .Append("<style>").Append(Style).Append("</style>\n</head>\n<body>\n<header>\n")
            .Append("<h1>").Append(h.Encode(name)).Append("</h1>\n<dl class=\"facts\">\n");

        Fact(page, "video", VideoLine(info, c));
        Fact(page, "model", info.Model);
        Fact(page, "frames", report.Frames == 0
            ? "none labelled"
            : string.Create(c, $"{report.Frames:N0} labelled (frames {report.Columns.FrameFirst.Min():N0}–{report.Columns.FrameLast.Max():N0})"));
        Fact(page, "time", report.Frames == 0
            ? "–"
            : string.Create(c, $"{report.Duration:0.###} s: first frame at {report.StartTime:0.###} s, last at {report.LastTime:0.###} s"));
        string merged = info.MinSegment > 1 ? string.Create(c, $"; runs shorter than {info.MinSegment} frames merged into a neighbour") : "";
        Fact(page, "segments", string.Create(c, $"{report.Segments.Count:N0}{merged}"));
        page.Append("</dl>\n");
        Distribution(page, report, c, h);
        page.Append("</header>\n<main>\n")
            .Append("<div id=\"legend\" class=\"legend\" role=\"group\" aria-label=\"classes: click to show or hide\"></div>\n")
            .Append("<div id=\"readout\" class=\"readout\" aria-live=\"polite\"></div>\n")
            .Append("<div id=\"chart\" class=\"chart\" tabindex=\"0\" aria-label=\"timeline; arrow keys move the cursor\"></div>\n")
            .Append("<p class=\"note\">").Append(h.Encode(Note(report, c))).Append("</p>\n")
            .Append("<noscript><p class=\"note\">The timeline is drawn by the page's script; the summary above needs none.</p></noscript>\n")
            .Append("</main>\n<script type=\"application/json\" id=\"report-data\">").Append(Data(report)).Append("</script>\n")
            .Append("<script>").Append(Script).Append("</script>\n</body>\n</html>\n");
        return page.ToString();
    }

    private static string VideoLine(ReportInfo info, CultureInfo c)
    {
        var parts = new List<string> { info.Video };
        if (info.Width > 0 && info.Height > 0)
        {
            parts.Add(string.Create(c, $"{info.Width}×{info.Height}"));
        }
        if (info.Fps > 0)
        {
            parts.Add(string.Create(c, $"{info.Fps:0.###} fps"));
        }
        if (info.DeclaredFrames is int declared)
        {
            parts.Add(string.Create(c, $"{declared:N0} frames declared"));
        }
        return string.Join(" · ", parts);
    }

    private static string Note(LabelReport report, CultureInfo c)
    {
        string columns = report.Columns.Exact
            ? "Every frame is drawn."
            : string.Create(c, $"{report.Frames:N0} frames are drawn as {report.Columns.Count:N0} columns of {report.Columns.ColumnSeconds:0.####} s: the line is each column's mean, the band its minimum to maximum.");
        string strip = report.StripIsSegments
            ? "The strip shows every segment."
            : string.Create(c, $"The strip shows, for each of {LabelReport.StripColumns:N0} columns, the label covering most of it ({report.Segments.Count:N0} segments in all).");
        return $"{columns} {strip} Hover or use the arrow keys for a frame's numbers; click a class to hide it.";
    }

    private static void Fact(StringBuilder page, string term, string text) =>
        page.Append("<dt>").Append(term).Append("</dt><dd>").Append(Html.Encode(text)).Append("</dd>\n");

    // The label distribution, most frequent first: swatch, name, frames, share and a bar.
    private static void Distribution(StringBuilder page, LabelReport report, CultureInfo c, HtmlEncoder h)
    {
        page.Append("<table class=\"distribution\" aria-label=\"label distribution\">\n");
        long total = Math.Max(1, report.Frames);
        long most = Math.Max(1, report.LabelCounts.Max());
        foreach (int k in Enumerable.Range(0, report.LabelCounts.Count).OrderByDescending(k => report.LabelCounts[k]).ThenBy(k => k))
        {
            long n = report.LabelCounts[k];
            string color = ReportPalette.Color(k);
            page.Append("<tr class=\"dist-row\"><td><svg class=\"swatch\" width=\"12\" height=\"12\" aria-hidden=\"true\"><rect width=\"12\" height=\"12\" rx=\"2\" fill=\"")
                .Append(color).Append("\"/></svg> ").Append(h.Encode(report.Info.Classes[k])).Append("</td>")
                .Append(string.Create(c, $"<td class=\"count\">{n:N0}</td><td class=\"share\">{100.0 * n / total:0.0}%</td>"))
                .Append("<td><svg class=\"bar\" width=\"200\" height=\"10\" aria-hidden=\"true\"><rect height=\"10\" width=\"")
                .Append((200.0 * n / most).ToString("0.#", c)).Append("\" fill=\"").Append(color).Append("\"/></svg></td></tr>\n");
        }
        page.Append("</table>\n");
    }

    // The JSON the script draws from (field names as timeline.js reads them).
    private static string Data(LabelReport report)
    {
        TimelineColumns columns = report.Columns;
        bool exact = columns.Exact;
        using var buffer = new MemoryStream();
        // JavaScriptEncoder.Default escapes <, >, &, quotes and every non-ASCII character, so the text can sit inside
        // a <script> element whatever the class names are.
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.Default }))
        {
            json.WriteStartObject();
            json.WriteStartArray("classes");
            foreach (string name in report.Info.Classes)
            {
                json.WriteStringValue(name);
            }
            json.WriteEndArray();
            json.WriteStartArray("colors");
            for (int k = 0; k < report.Info.Classes.Count; k++)
            {
                json.WriteStringValue(ReportPalette.Color(k));
            }
            json.WriteEndArray();
            json.WriteBoolean("exact", exact);
            json.WriteBoolean("hasProbs", report.HasProbabilities);
            json.WriteBoolean("hasValue", report.HasValue);
            json.WriteNumber("scale", Scale);
            json.WriteNumber("frames", report.Frames);
            json.WriteNumber("t0", Seconds(report.StartTime));
            json.WriteNumber("t1", Seconds(report.EndTime));
            Doubles(json, "t", columns.Count, i => Seconds(columns.Time(i)));
            Longs(json, "f0", columns.FrameFirst);
            if (!exact)
            {
                Longs(json, "f1", columns.FrameLast);
                Longs(json, "n", columns.Frames.Select(n => (long)n).ToArray());
                Doubles(json, "tmin", columns.Count, i => Seconds(columns.TimeMin[i]));
                Doubles(json, "tmax", columns.Count, i => Seconds(columns.TimeMax[i]));
            }
            if (report.HasProbabilities)
            {
                PerClass(json, "p", columns, columns.ProbMean);
                if (!exact)
                {
                    PerClass(json, "pmin", columns, columns.ProbMin);
                    PerClass(json, "pmax", columns, columns.ProbMax);
                }
            }
            else
            {
                Quantized(json, "s", columns.ScoreMean);
                if (!exact)
                {
                    Quantized(json, "smin", columns.ScoreMin);
                    Quantized(json, "smax", columns.ScoreMax);
                }
            }
            if (report.HasValue)
            {
                Floats(json, "v", columns.ValueMean);
                if (!exact)
                {
                    Floats(json, "vmin", columns.ValueMin);
                    Floats(json, "vmax", columns.ValueMax);
                }
            }
            json.WriteBoolean("stripIsSegments", report.StripIsSegments);
            json.WriteNumber("segments", report.Segments.Count);
            json.WriteStartArray("strip");
            foreach (StripRun run in report.Strip)
            {
                json.WriteStartArray();
                json.WriteNumberValue(run.Label);
                json.WriteNumberValue(run.FirstFrame);
                json.WriteNumberValue(run.LastFrame);
                json.WriteNumberValue(Seconds(run.Start));
                json.WriteNumberValue(Seconds(run.End));
                json.WriteEndArray();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    // Microseconds are finer than any frame interval and keep the numbers short.
    private static double Seconds(double t) => double.IsFinite(t) ? Math.Round(t, 6) : 0;

    private static void Doubles(Utf8JsonWriter json, string name, int count, Func<int, double> value)
    {
        json.WriteStartArray(name);
        for (int i = 0; i < count; i++)
        {
            json.WriteNumberValue(value(i));
        }
        json.WriteEndArray();
    }

    private static void Longs(Utf8JsonWriter json, string name, long[] values)
    {
        json.WriteStartArray(name);
        foreach (long v in values)
        {
            json.WriteNumberValue(v);
        }
        json.WriteEndArray();
    }

    private static void PerClass(Utf8JsonWriter json, string name, TimelineColumns columns, float[] classMajor)
    {
        json.WriteStartArray(name);
        for (int k = 0; k < columns.Classes; k++)
        {
            json.WriteStartArray();
            foreach (float p in columns.Series(classMajor, k))
            {
                WriteQuantized(json, p);
            }
            json.WriteEndArray();
        }
        json.WriteEndArray();
    }

    private static void Quantized(Utf8JsonWriter json, string name, float[] values)
    {
        json.WriteStartArray(name);
        foreach (float p in values)
        {
            WriteQuantized(json, p);
        }
        json.WriteEndArray();
    }

    // A probability in 1/Scale units; not finite (a broken model) → null, drawn as a gap.
    private static void WriteQuantized(Utf8JsonWriter json, float p)
    {
        if (float.IsFinite(p))
        {
            json.WriteNumberValue((int)Math.Round(Math.Clamp(p, 0f, 1f) * (double)Scale));
        }
        else
        {
            json.WriteNullValue();
        }
    }

    // Values to 5 significant digits; not finite → null.
    private static void Floats(Utf8JsonWriter json, string name, float[] values)
    {
        json.WriteStartArray(name);
        foreach (float v in values)
        {
            if (float.IsFinite(v))
            {
                json.WriteNumberValue(double.Parse(v.ToString("G5", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
            }
            else
            {
                json.WriteNullValue();
            }
        }
        json.WriteEndArray();
    }

    private static string Resource(string name)
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("AgentRnn.Host.Labeling.Report." + name)
            ?? throw new InvalidOperationException($"report resource {name} is missing from the assembly");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        // The browser hashes the script as parsed, and HTML parsing turns CRLF into LF: hash what it will see.
        return reader.ReadToEnd().ReplaceLineEndings("\n");
    }

    private static string Hash(string text) => "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
