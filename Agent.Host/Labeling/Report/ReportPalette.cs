using System.Globalization;

namespace AgentRnn.Host.Labeling.Report;

/// <summary>
/// One colour per class, the same in the HTML and the PNG: matplotlib's tab10, then tab20's lighter companions, then
/// hues a golden angle apart for larger action spaces.
/// </summary>
internal static class ReportPalette
{
    private static readonly string[] Named =
    [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
        "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
    ];

    /// <summary>Class <paramref name="k"/>'s colour as "#rrggbb".</summary>
    public static string Color(int k)
    {
        if (k < Named.Length)
        {
            return Named[k];
        }
        // The golden angle keeps consecutive classes far apart on the hue circle.
        double hue = (k - Named.Length) * 137.508 % 360;
        (double r, double g, double b) = HslToRgb(hue, 0.55, 0.5);
        return string.Create(CultureInfo.InvariantCulture, $"#{(int)Math.Round(r * 255):x2}{(int)Math.Round(g * 255):x2}{(int)Math.Round(b * 255):x2}");
    }

    /// <summary>Class <paramref name="k"/>'s colour as bytes (red, green, blue).</summary>
    public static (byte R, byte G, byte B) Rgb(int k)
    {
        string hex = Color(k);
        return (Convert.ToByte(hex[1..3], 16), Convert.ToByte(hex[3..5], 16), Convert.ToByte(hex[5..7], 16));
    }

    private static (double R, double G, double B) HslToRgb(double hue, double saturation, double lightness)
    {
        double chroma = (1 - Math.Abs(2 * lightness - 1)) * saturation;
        double h = hue / 60;
        double x = chroma * (1 - Math.Abs(h % 2 - 1));
        (double r, double g, double b) = (int)h switch
        {
            0 => (chroma, x, 0.0),
            1 => (x, chroma, 0.0),
            2 => (0.0, chroma, x),
            3 => (0.0, x, chroma),
            4 => (x, 0.0, chroma),
            _ => (chroma, 0.0, x),
        };
        double m = lightness - chroma / 2;
        return (r + m, g + m, b + m);
    }
}
