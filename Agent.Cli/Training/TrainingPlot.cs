using ScottPlot;
using SkiaSharp;

namespace AgentRnn.Cli.Training;

/// <summary>
/// Draws a training run's curves as a PNG with ScottPlot: episodic return over env steps on top, the losses and the
/// entropy below. Written atomically (PATH.partial, then renamed).
/// </summary>
internal static class TrainingPlot
{
    private static readonly string Sans = new[] { "DejaVu Sans", "Liberation Sans" }.FirstOrDefault(SKFontManager.Default.FontFamilies.Contains) ?? Fonts.Default;

    /// <summary>One point of the curves.</summary>
    internal readonly record struct Point(double Step, double Return, double PolicyLoss, double ValueLoss, double Entropy);

    public static void Save(string path, string title, IReadOnlyList<Point> points, int width = 1200, int height = 800)
    {
        Plot top = NewPlot();
        top.Title(title);
        Add(top, points, p => p.Return, Colors.Blue, "episodic return");
        top.Axes.Left.Label.Text = "episodic return";
        Plot bottom = NewPlot();
        Add(bottom, points, p => p.PolicyLoss, Colors.Red, "policy loss");
        Add(bottom, points, p => p.ValueLoss, Colors.Green, "value loss");
        Add(bottom, points, p => p.Entropy, Colors.Gray, "entropy");
        bottom.Axes.Bottom.Label.Text = "env steps";
        bottom.ShowLegend(Alignment.UpperRight);
        var multiplot = new Multiplot(top);
        multiplot.AddPlot(bottom);
        var rows = new ScottPlot.MultiplotLayouts.DraggableRows();
        rows.SetHeights([height * 0.5f, height * 0.5f]);
        multiplot.Layout = rows;
        using SKSurface surface = SKSurface.Create(new SKImageInfo(width, height))
            ?? throw new InvalidOperationException($"cannot make a {width}x{height} drawing surface");
        surface.Canvas.Clear(SKColors.White);
        multiplot.Render(surface.Canvas, new PixelRect(0, width, height, 0));
        using SKImage image = surface.Snapshot();
        using SKData png = image.Encode(SKEncodedImageFormat.Png, 100);
        string partial = path + ".partial";
        File.WriteAllBytes(partial, png.ToArray());
        File.Move(partial, path, overwrite: true);
    }

    private static Plot NewPlot()
    {
        var plot = new Plot();
        plot.Font.Set(Sans);
        plot.Layout.Fixed(new PixelPadding(80, 30, 50, 40));
        return plot;
    }

    private static void Add(Plot plot, IReadOnlyList<Point> points, Func<Point, double> y, Color color, string legend)
    {
        Point[] finite = points.Where(p => double.IsFinite(y(p))).ToArray();
        if (finite.Length == 0)
        {
            return;
        }
        var line = plot.Add.ScatterLine(finite.Select(p => p.Step).ToArray(), finite.Select(y).ToArray(), color);
        line.LineWidth = 1.6f;
        line.LegendText = legend;
    }
}
