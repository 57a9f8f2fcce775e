using System.Text;
using AgentRnn.Vision.Interop;

namespace AgentRnn.Vision;

/// <summary>
/// Draws a per-frame label onto a BGR frame in place (for annotated video): a dark band across the top holding
/// "label 0.87" (cv::putText, FONT_HERSHEY_SIMPLEX) and a confidence bar (cv::rectangle, filled) under the text.
/// Allocation-free: the text is encoded to UTF-8 on the stack. Hershey fonts draw ASCII only; other characters show as '?'.
/// </summary>
public static class FrameAnnotator
{
    /// <summary>Label bytes kept; longer labels are cut (the frame is rarely wide enough for more).</summary>
    private const int MaxTextBytes = 120;

    /// <summary>
    /// Draws label and confidence (clamped to [0, 1]) on a width × height BGR frame whose rows are stride bytes apart.
    /// </summary>
    public static unsafe void Draw(Span<byte> bgr, int width, int height, int stride, string label, float confidence)
    {
        ArgumentNullException.ThrowIfNull(label);
        float clamped = float.IsNaN(confidence) ? 0f : Math.Clamp(confidence, 0f, 1f);
        Span<byte> text = stackalloc byte[MaxTextBytes + 16];
        int length = EncodeLabel(label, text[..MaxTextBytes]);
        text[length++] = (byte)' ';
        clamped.TryFormat(text[length..^1], out int written, "0.00", System.Globalization.CultureInfo.InvariantCulture);
        length += written;
        text[length] = 0;

        double scale = Math.Clamp(height / 400.0, 0.35, 1.2);
        int thickness = scale >= 0.8 ? 2 : 1;
        int margin = Math.Max(2, (int)(4 * scale));
        int barHeight = Math.Max(2, (int)(6 * scale));
        fixed (byte* data = bgr)
        fixed (byte* utf8 = text)
        {
            var image = new NativeImage(data, bgr.Length, width, height, stride, PixelFormat.Bgr);
            Check(NativeMethods.imgproc_getTextSize(utf8, scale, thickness, out int textWidth, out int textHeight, out int baseline));
            int bandHeight = Math.Min(height, margin + textHeight + baseline + margin + barHeight + margin);
            int barWidth = (int)Math.Round((width - 2 * margin) * clamped);
            Check(NativeMethods.imgproc_rectangle(&image, 0, 0, width, bandHeight, 24, 24, 24, -1));
            Check(NativeMethods.imgproc_putText(&image, utf8, margin, margin + textHeight, scale, 255, 255, 255, thickness));
            if (barWidth > 0)
            {
                int barTop = bandHeight - margin - barHeight;
                Check(NativeMethods.imgproc_rectangle(&image, margin, barTop, barWidth, barHeight, 80, 200, 60, -1));
            }
        }
    }

    // Hershey fonts only draw ASCII, so the label is reduced to printable ASCII while encoding (no allocation).
    private static int EncodeLabel(string label, Span<byte> destination)
    {
        int count = Math.Min(label.Length, destination.Length);
        for (int i = 0; i < count; i++)
        {
            char c = label[i];
            destination[i] = c is >= ' ' and <= '~' ? (byte)c : (byte)'?';
        }
        return count;
    }

    private static void Check(NativeStatus status)
    {
        if (status == NativeStatus.BadArgument)
        {
            throw new FrameFormatException($"cannot annotate the frame: {NativeMethods.LastError()}");
        }
        NativeMethods.ThrowIfFailed(status);
    }
}
