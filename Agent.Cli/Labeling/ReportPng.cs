using System.Globalization;
using AgentRnn.Host.Labeling.Report;
using ScottPlot;
using SkiaSharp;

namespace AgentRnn.Cli.Labeling;

/// <summary>
/// Draws a <see cref="LabelReport"/> as a PNG with ScottPlot: per-class probabilities (mean line, min–max band where
/// a column holds several frames) over the value, over the segment strip, all on one time axis in seconds, with the
/// video, the frame count and the model in the title and the classes with their share of frames in the legend.
/// </summary>
internal static class ReportPng
{
    /// <summary>Default image width in pixels.</summary>
    public const int DefaultWidth = 1600;

    /// <summary>Default image height in pixels.</summary>
    public const int DefaultHeight = 900;

    // Equal left and right padding on every plot keeps their data areas, and so their time axes, aligned; the right
    // padding holds the legend, sized to its longest entry (about 7.5 px a character at the legend's font size).
    private const float LeftPadding = 80;
    private const int LegendChars = 24;
    private const float LegendCharPixels = 7.5f;

    // ScottPlot's default family is whatever Skia lists first (DejaVu Serif on Debian); a sans face reads better at
    // tick-label sizes. fonts-dejavu-core is on every Debian image with fonts; the fallback keeps text drawn without it.
    private static readonly string Sans = new[] { "DejaVu Sans", "Liberation Sans" }.FirstOrDefault(SKFontManager.Default.FontFamilies.Contains) ?? Fonts.Default;

    /// <summary>The PNG's bytes.</summary>
    public static byte[] Render(LabelReport report, int width = DefaultWidth, int height = DefaultHeight)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        TimelineColumns columns = report.Columns;
        long total = Math.Max(1, report.Frames);
        string[] legends = report.Info.Classes
            .Select((name, k) => string.Create(c, $"{(name.Length > LegendChars ? name[..(LegendChars - 1)] + "…" : name)} ({100.0 * report.LabelCounts[k] / total:0.#}%)"))
            .ToArray();
        float right = report.HasProbabilities ? Math.Clamp(80 + LegendCharPixels * legends.Max(l => l.Length), 150, 340) : 40;
        double[] times = Enumerable.Range(0, columns.Count).Select(columns.Time).ToArray();

        Plot probs = NewPlot(right, top: 70, bottom: 12);
        probs.Title(string.Create(c, $"{Path.GetFileName(report.Info.Video)} · {report.Frames:N0} frames · {report.Duration:0.##} s\n{report.Info.Model}"));
        probs.Axes.Title.Label.FontSize = 15;
        probs.Axes.Bottom.TickLabelStyle.IsVisible = false;
        probs.Axes.Left.Label.Text = report.HasProbabilities ? "probability" : "score";
        probs.Axes.SetLimitsY(-0.03, 1.03);
        if (report.HasProbabilities)
        {
            for (int k = 0; k < report.Info.Classes.Count; k++)
            {
                AddSeries(probs, times, columns.Series(columns.ProbMean, k), columns.Series(columns.ProbMin, k),
                    columns.Series(columns.ProbMax, k), columns.Exact, Color.FromHex(ReportPalette.Color(k)), legends[k]);
            }
            probs.ShowLegend(Edge.Right);
        }
        else
        {
            AddSeries(probs, times, columns.ScoreMean, columns.ScoreMin, columns.ScoreMax, columns.Exact, Colors.DimGray, "score");
        }

        var plots = new List<(Plot Plot, float Share)> { (probs, 0.58f) };
        if (report.HasValue)
        {
            Plot value = NewPlot(right, top: 8, bottom: 12);
            value.Axes.Bottom.TickLabelStyle.IsVisible = false;
            value.Axes.Left.Label.Text = "value";
            AddSeries(value, times, columns.ValueMean, columns.ValueMin, columns.ValueMax, columns.Exact, Color.FromHex("#1d2b4a"), null);
            value.Axes.AutoScaleY();
            plots.Add((value, 0.27f));
        }

        Plot strip = NewPlot(right, top: 8, bottom: 56);
        strip.Axes.Left.Label.Text = "label";
        strip.Axes.Left.TickLabelStyle.IsVisible = false;
        strip.Axes.Left.MajorTickStyle.Length = 0;
        strip.Axes.Left.MinorTickStyle.Length = 0;
        strip.Axes.Bottom.Label.Text = "time (s)";
        strip.Grid.IsVisible = false;
        foreach (StripRun run in report.Strip)
        {
            var rectangle = strip.Add.Rectangle(run.Start, Math.Max(run.End, run.Start), 0, 1);
            rectangle.FillColor = Color.FromHex(ReportPalette.Color(run.Label));
            rectangle.LineWidth = 0;
        }
        strip.Axes.SetLimitsY(0, 1);
        plots.Add((strip, report.HasValue ? 0.15f : 0.42f));
        foreach ((Plot plot, _) in plots)
        {
            plot.Axes.SetLimitsX(report.StartTime, report.EndTime);
        }

        var multiplot = new Multiplot(plots[0].Plot);
        foreach ((Plot plot, _) in plots.Skip(1))
        {
            multiplot.AddPlot(plot);
        }
        var rows = new ScottPlot.MultiplotLayouts.DraggableRows();
        float shares = plots.Sum(p => p.Share);
        rows.SetHeights(plots.Select(p => height * p.Share / shares));
        multiplot.Layout = rows;

        using SKSurface surface = SKSurface.Create(new SKImageInfo(width, height))
            ?? throw new InvalidOperationException($"cannot make a {width}x{height} drawing surface");
        surface.Canvas.Clear(SKColors.White);
        multiplot.Render(surface.Canvas, new PixelRect(0, width, height, 0));
        using SKImage image = surface.Snapshot();
        using SKData png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    private static Plot NewPlot(float right, float top, float bottom)
    {
        var plot = new Plot();
        plot.Font.Set(Sans);
        plot.Layout.Fixed(new PixelPadding(LeftPadding, right, bottom, top));
        plot.Axes.Left.Label.FontSize = 13;
        plot.Axes.Bottom.Label.FontSize = 13;
        return plot;
    }

    // The mean as a line; where columns hold several frames, the band from minimum to maximum behind it.
    private static void AddSeries(Plot plot, double[] times, ReadOnlySpan<float> mean, ReadOnlySpan<float> min, ReadOnlySpan<float> max,
        bool exact, Color color, string? legend)
    {
        var xs = new List<double>(times.Length);
        var ys = new List<double>(times.Length);
        var lows = new List<double>(times.Length);
        var highs = new List<double>(times.Length);
        for (int i = 0; i < times.Length; i++)
        {
            // A non-finite output (a broken model) is left out rather than drawn.
            if (float.IsFinite(mean[i]) && float.IsFinite(min[i]) && float.IsFinite(max[i]))
            {
                xs.Add(times[i]);
                ys.Add(mean[i]);
                lows.Add(min[i]);
                highs.Add(max[i]);
            }
        }
        if (xs.Count == 0)
        {
            return;
        }
        if (!exact)
        {
            var band = plot.Add.FillY(xs.ToArray(), lows.ToArray(), highs.ToArray());
            band.FillColor = color.WithAlpha(0.14);
            band.LineWidth = 0;
        }
        var line = plot.Add.ScatterLine(xs.ToArray(), ys.ToArray(), color);
        line.LineWidth = 1.6f;
        if (legend is not null)
        {
            line.LegendText = legend;
        }
    }
}
