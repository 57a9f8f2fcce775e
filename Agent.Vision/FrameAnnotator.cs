using System.Collections.Concurrent;
using AgentRnn.Vision.OpenCv;
using OpenCvSharp;
using OpenCvSharp.Internal;

namespace AgentRnn.Vision;

/// <summary>
/// Draws a per-frame label onto a BGR frame in place (for annotated video): a dark band across the top holding
/// "label 0.87" (cv::putText, FONT_HERSHEY_SIMPLEX) and a confidence bar (cv::rectangle, filled) under the text.
/// Hershey fonts draw ASCII only; other characters show as '?'. The texts of a label (its 101 confidences) are made
/// the first time the label is drawn, so drawing allocates nothing afterwards.
/// </summary>
public static class FrameAnnotator
{
    /// <summary>Label characters kept; longer labels are cut (the frame is rarely wide enough for more).</summary>
    private const int MaxLabelLength = 120;

    private static readonly ConcurrentDictionary<string, string[]> Texts = new(StringComparer.Ordinal);

    /// <summary>
    /// Draws label and confidence (clamped to [0, 1]) on a width × height BGR frame whose rows are stride bytes apart.
    /// A buffer that does not hold the frame throws a <see cref="FrameFormatException"/>.
    /// </summary>
    public static unsafe void Draw(Span<byte> bgr, int width, int height, int stride, string label, float confidence)
    {
        ArgumentNullException.ThrowIfNull(label);
        long needed = (height - 1L) * stride + width * 3L;
        if (width <= 0 || height <= 0 || stride < width * 3L || bgr.Length < needed)
        {
            throw new FrameFormatException(
                $"cannot annotate the frame: a {width}x{height} BGR frame needs a stride of at least {width * 3L} and {needed} bytes, got stride {stride} and {bgr.Length} bytes");
        }
        float clamped = float.IsNaN(confidence) ? 0f : Math.Clamp(confidence, 0f, 1f);
        string text = Texts.GetOrAdd(label, MakeTexts)[(int)MathF.Round(clamped * 100f)];

        double scale = Math.Clamp(height / 400.0, 0.35, 1.2);
        int thickness = scale >= 0.8 ? 2 : 1;
        int margin = Math.Max(2, (int)(4 * scale));
        int barHeight = Math.Max(2, (int)(6 * scale));
        OpenCvRuntime.EnsureReady();
        OpenCvRuntime.Check(NativeMethods.imgproc_getTextSize(text, (int)HersheyFonts.HersheySimplex, scale, thickness, out int baseline, out Size size));
        int bandHeight = Math.Min(height, margin + size.Height + baseline + margin + barHeight + margin);
        int barWidth = (int)Math.Round((width - 2 * margin) * clamped);
        fixed (byte* data = bgr)
        {
            using MatView image = MatView.Over(data, height, width, 3, stride);
            OpenCvRuntime.Check(NativeMethods.imgproc_rectangle_Mat_Rect(
                image.Mat, new Rect(0, 0, width, bandHeight), new Scalar(24, 24, 24, 255), -1, (int)LineTypes.Link8, 0));
            OpenCvRuntime.Check(NativeMethods.imgproc_putText(
                image.Output, text, new Point(margin, margin + size.Height), (int)HersheyFonts.HersheySimplex, scale,
                new Scalar(255, 255, 255, 255), thickness, (int)LineTypes.AntiAlias, 0));
            if (barWidth > 0)
            {
                int barTop = bandHeight - margin - barHeight;
                OpenCvRuntime.Check(NativeMethods.imgproc_rectangle_Mat_Rect(
                    image.Mat, new Rect(margin, barTop, barWidth, barHeight), new Scalar(80, 200, 60, 255), -1, (int)LineTypes.Link8, 0));
            }
        }
    }

    private static string[] MakeTexts(string label) => ScoreTexts.Make(label, MaxLabelLength);
}
