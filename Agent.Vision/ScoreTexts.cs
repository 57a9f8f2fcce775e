using System.Globalization;

namespace AgentRnn.Vision;

/// <summary>The overlay's and the info strip's score captions, made once per label and cached by their callers.</summary>
internal static class ScoreTexts
{
    /// <summary>
    /// "label 0.00" .. "label 1.00" (101 strings, indexed by the score in hundredths), the label cut to
    /// <paramref name="maxLength"/> characters and reduced to printable ASCII (what Hershey fonts draw).
    /// </summary>
    public static string[] Make(string label, int maxLength)
    {
        string ascii = string.Create(Math.Min(label.Length, maxLength), label, static (span, source) =>
        {
            for (int i = 0; i < span.Length; i++)
            {
                char c = source[i];
                span[i] = c is >= ' ' and <= '~' ? c : '?';
            }
        });
        var texts = new string[101];
        for (int i = 0; i <= 100; i++)
        {
            texts[i] = ascii + " " + (i / 100.0).ToString("0.00", CultureInfo.InvariantCulture);
        }
        return texts;
    }
}
