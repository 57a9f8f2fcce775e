using System.Collections.Concurrent;
using System.Globalization;
using AgentRnn.Vision.OpenCv;
using OpenCvSharp;
using OpenCvSharp.Internal;

namespace AgentRnn.Vision;

/// <summary>
/// The info strip of an annotated video: rows added below the picture (never over it, so a game's HUD and score stay
/// visible) holding the frame number and time on the first line and the top labels with their scores on one line
/// each, every label over a bar as long as its score (the top one green). Text is cv::putText FONT_HERSHEY_SIMPLEX,
/// which draws ASCII only (other characters show as '?'). Numbers are drawn glyph by glyph and label texts are made
/// the first time a label is drawn, so drawing allocates nothing afterwards.
/// </summary>
public static class InfoStrip
{
    /// <summary>Labels listed in the strip.</summary>
    public const int TopLabels = 3;

    private const int MaxLabelLength = 60;

    private static readonly string[] Glyphs = Enumerable.Range(0, 128).Select(c => c is >= 32 and <= 126 ? ((char)c).ToString() : "?").ToArray();
    private static readonly ConcurrentDictionary<string, string[]> LabelTexts = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<(double Scale, int Thickness), Metrics> Fonts = new();

    private sealed record Metrics(int[] Advances, int TextHeight, int Baseline);

    /// <summary>
    /// Rows the strip adds under a width × pictureHeight picture: one header line and <see cref="TopLabels"/> label
    /// lines at a text size that suits the width, made even together with the picture (FFmpeg's encoders drop an odd
    /// last row).
    /// </summary>
    public static int Rows(int width, int pictureHeight)
    {
        (double scale, int thickness) = Font(width);
        Metrics metrics = MetricsFor(scale, thickness);
        int margin = Margin(scale);
        int rows = margin + (TopLabels + 1) * LineHeight(metrics, margin) + margin;
        return (pictureHeight + rows) % 2 == 0 ? rows : rows + 1;
    }

    /// <summary>
    /// Draws the strip into rows [top, top + rows) of a width-wide packed BGR buffer (row y at y·width·3): frame
    /// number, time in seconds, and up to <see cref="TopLabels"/> labels with scores (clamped to [0, 1]), best first.
    /// A buffer or row range that does not fit throws a <see cref="FrameFormatException"/>.
    /// </summary>
    public static unsafe void Draw(Span<byte> bgr, int width, int top, int rows, long frame, double seconds,
        ReadOnlySpan<string> labels, ReadOnlySpan<float> scores)
    {
        long needed = (long)(top + rows) * width * 3;
        if (width <= 0 || top < 0 || rows <= 0 || bgr.Length < needed)
        {
            throw new FrameFormatException($"cannot draw the info strip: rows {top}..{top + rows} of a {width}-wide BGR frame need {needed} bytes, got {bgr.Length}");
        }
        if (labels.Length != scores.Length)
        {
            throw new ArgumentException($"{labels.Length} labels but {scores.Length} scores", nameof(scores));
        }
        (double scale, int thickness) = Font(width);
        Metrics metrics = MetricsFor(scale, thickness);
        int margin = Margin(scale);
        int line = LineHeight(metrics, margin);
        var white = new Scalar(255, 255, 255, 255);
        var grey = new Scalar(190, 190, 190, 255);
        OpenCvRuntime.EnsureReady();
        fixed (byte* data = bgr)
        {
            using MatView strip = MatView.Over(data + (long)top * width * 3, rows, width, 3, width * 3);
            OpenCvRuntime.Check(NativeMethods.imgproc_rectangle_Mat_Rect(
                strip.Mat, new Rect(0, 0, width, rows), new Scalar(24, 24, 24, 255), -1, (int)LineTypes.Link8, 0));

            // "frame 1234   12.345 s"
            Span<char> text = stackalloc char[64];
            int length = 0;
            "frame ".AsSpan().CopyTo(text);
            length += 6;
            frame.TryFormat(text[length..], out int written, default, CultureInfo.InvariantCulture);
            length += written;
            "   ".AsSpan().CopyTo(text[length..]);
            length += 3;
            seconds.TryFormat(text[length..], out written, "0.000", CultureInfo.InvariantCulture);
            length += written;
            " s".AsSpan().CopyTo(text[length..]);
            length += 2;
            int baseline = margin + metrics.TextHeight;
            DrawGlyphs(strip.Output, text[..length], margin, baseline, scale, thickness, metrics, grey);

            int barWidth = width - 2 * margin;
            for (int i = 0; i < Math.Min(labels.Length, TopLabels); i++)
            {
                float score = float.IsNaN(scores[i]) ? 0f : Math.Clamp(scores[i], 0f, 1f);
                int lineTop = margin + (i + 1) * line;
                int bar = (int)Math.Round(barWidth * score);
                if (bar > 0)
                {
                    var colour = i == 0 ? new Scalar(60, 150, 40, 255) : new Scalar(110, 80, 50, 255);
                    OpenCvRuntime.Check(NativeMethods.imgproc_rectangle_Mat_Rect(
                        strip.Mat, new Rect(margin, lineTop - margin / 2, bar, line - 1), colour, -1, (int)LineTypes.Link8, 0));
                }
                string label = LabelTexts.GetOrAdd(labels[i] ?? "", MakeLabelTexts)[(int)MathF.Round(score * 100f)];
                OpenCvRuntime.Check(NativeMethods.imgproc_putText(strip.Output, label, new Point(margin + 2, lineTop + metrics.TextHeight),
                    (int)HersheyFonts.HersheySimplex, scale, white, thickness, (int)LineTypes.AntiAlias, 0));
            }
        }
    }

    private static (double Scale, int Thickness) Font(int width)
    {
        double scale = Math.Round(Math.Clamp(width / 640.0, 0.35, 0.8), 2);
        return (scale, scale >= 0.7 ? 2 : 1);
    }

    private static int Margin(double scale) => Math.Max(3, (int)(6 * scale));

    private static int LineHeight(Metrics metrics, int margin) => metrics.TextHeight + metrics.Baseline + margin;

    private static Metrics MetricsFor(double scale, int thickness) => Fonts.GetOrAdd((scale, thickness), static key =>
    {
        OpenCvRuntime.EnsureReady();
        var advances = new int[128];
        for (int c = 0; c < 128; c++)
        {
            OpenCvRuntime.Check(NativeMethods.imgproc_getTextSize(Glyphs[c], (int)HersheyFonts.HersheySimplex, key.Scale, key.Thickness, out _, out Size size));
            advances[c] = Math.Max(1, size.Width - key.Thickness);
        }
        OpenCvRuntime.Check(NativeMethods.imgproc_getTextSize("Ag0", (int)HersheyFonts.HersheySimplex, key.Scale, key.Thickness, out int baseline, out Size text));
        return new Metrics(advances, text.Height, baseline);
    });

    private static void DrawGlyphs(IntPtr image, ReadOnlySpan<char> text, int x, int y, double scale, int thickness, Metrics metrics, Scalar colour)
    {
        foreach (char ch in text)
        {
            int c = ch < 128 ? ch : '?';
            if (c != ' ')
            {
                OpenCvRuntime.Check(NativeMethods.imgproc_putText(image, Glyphs[c], new Point(x, y), (int)HersheyFonts.HersheySimplex, scale, colour,
                    thickness, (int)LineTypes.AntiAlias, 0));
            }
            x += metrics.Advances[c];
        }
    }

    private static string[] MakeLabelTexts(string label) => ScoreTexts.Make(label, MaxLabelLength);
}
