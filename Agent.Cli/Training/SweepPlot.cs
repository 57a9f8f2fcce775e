using AgentRnn.Core.Recurrent;
using AgentRnn.Host.Models;
using ScottPlot;
using SkiaSharp;

namespace AgentRnn.Cli.Training;

/// <summary>
/// The sweep's plot with ScottPlot: final greedy return against cue delay, one line per cell through the means across
/// seeds with ± one sample standard deviation as error bars and every seed's run as a dot, and the chance level.
/// Delays sit at even spacing (their order, labelled with their values). Written atomically (PATH.partial, renamed).
/// </summary>
internal static class SweepPlot
{
    private static readonly string Sans = new[] { "DejaVu Sans", "Liberation Sans" }.FirstOrDefault(SKFontManager.Default.FontFamilies.Contains) ?? Fonts.Default;

    public static void Save(string path, SweepSetup setup, IReadOnlyList<SweepRow> rows, int width = 1000, int height = 620)
    {
        var plot = new Plot();
        plot.Font.Set(Sans);
        plot.Title(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"cue memory: greedy return against cue delay ({setup.Seeds} seed(s), hidden {setup.HiddenSize}, {setup.Options.TotalTimesteps:N0} steps per run{(setup.KeepGateBias != 0 ? $", keep-gate bias {setup.KeepGateBias}" : "")})"));
        Color[] palette = [Colors.Blue, Colors.OrangeRed, Colors.Green, Colors.Purple];
        var chance = plot.Add.HorizontalLine(0, 1.2f, Colors.Gray, LinePattern.Dashed);
        chance.LegendText = "chance";
        for (int k = 0; k < setup.Cells.Length; k++)
        {
            string name = ModelConfig.CellName(setup.Cells[k]);
            Color color = palette[k % palette.Length];
            // A small sideways offset per cell keeps equal points apart.
            double offset = (k - (setup.Cells.Length - 1) / 2.0) * 0.06;
            var xs = new List<double>();
            var means = new List<double>();
            var spreads = new List<double>();
            for (int i = 0; i < setup.Delays.Length; i++)
            {
                if (SweepTable.Summarise(rows, name, setup.Delays[i]) is SweepTable.Cell s)
                {
                    xs.Add(i + offset);
                    means.Add(s.Mean);
                    spreads.Add(s.Std);
                }
            }
            if (xs.Count == 0)
            {
                continue;
            }
            var line = plot.Add.ScatterLine(xs.ToArray(), means.ToArray(), color);
            line.LineWidth = 2f;
            line.MarkerSize = 8;
            line.LegendText = name;
            var bars = plot.Add.ErrorBar(xs.ToArray(), means.ToArray(), spreads.ToArray());
            bars.LineColor = color;
            var dots = rows.Where(r => r.Cell == name && Array.IndexOf(setup.Delays, r.Delay) >= 0).ToArray();
            if (dots.Length > 0)
            {
                var seeds = plot.Add.ScatterPoints(dots.Select(r => Array.IndexOf(setup.Delays, r.Delay) + offset).ToArray(), dots.Select(r => r.DeterministicReturn).ToArray(), color.WithAlpha(0.35));
                seeds.MarkerSize = 5;
            }
        }
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int i = 0; i < setup.Delays.Length; i++)
        {
            ticks.AddMajor(i, setup.Delays[i].ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.Bottom.Label.Text = "cue delay (blank steps between cue and question)";
        plot.Axes.Left.Label.Text = "greedy return (mean ± sd over seeds; dots: seeds)";
        plot.Axes.SetLimits(-0.5, setup.Delays.Length - 0.5, -1.1, 1.1);
        plot.ShowLegend(Alignment.LowerLeft);
        string partial = path + ".partial";
        plot.SavePng(partial, width, height);
        File.Move(partial, path, overwrite: true);
    }
}
