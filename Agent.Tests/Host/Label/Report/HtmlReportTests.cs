using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentRnn.Host.Labeling.Report;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Label.Report;

public sealed class HtmlReportTests(ITestOutputHelper output)
{
    private const string DataOpen = "<script type=\"application/json\" id=\"report-data\">";

    /// <summary>The JSON block the page's script draws from.</summary>
    internal static JsonDocument Data(string page)
    {
        int start = page.IndexOf(DataOpen, StringComparison.Ordinal) + DataOpen.Length;
        int end = page.IndexOf("</script>", start, StringComparison.Ordinal);
        return JsonDocument.Parse(page[start..end]);
    }

    [Fact]
    public void RenderText_HostileNames_EscapedInMarkupAndDataAlike()
    {
        LabelTimeline timeline = ReportFixtures.Timeline(600, ReportFixtures.HostileClasses.Length);
        LabelReport report = ReportFixtures.Report(timeline, ReportFixtures.HostileClasses, video: "clips/\"><svg onload=alert(2)>.mp4") ;

        string page = HtmlReport.RenderText(report);

        // The only script and tag openings are the page's own: two script elements, no injected element.
        Assert.Equal(2, Regex.Matches(page, "</script", RegexOptions.IgnoreCase).Count);
        Assert.Equal(2, Regex.Matches(page, "<script", RegexOptions.IgnoreCase).Count);
        Assert.DoesNotContain("<img", page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<svg onload", page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<!--", page, StringComparison.Ordinal);
        Assert.Contains("&lt;/script&gt;&lt;img src=x onerror=&quot;document.title=&#x27;pwned&#x27;&quot;&gt;", page, StringComparison.Ordinal);
        // The data block gives the script the names exactly as given.
        string block = page[(page.IndexOf(DataOpen, StringComparison.Ordinal) + DataOpen.Length)..];
        Assert.DoesNotContain("\u2028", block[..block.IndexOf("</script>", StringComparison.Ordinal)], StringComparison.Ordinal);
        using JsonDocument data = Data(page);
        Assert.Equal(ReportFixtures.HostileClasses, data.RootElement.GetProperty("classes").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void RenderText_Page_ReferencesNothingOutsideItselfAndItsPolicyHashesItsOwnCode()
    {
        string page = HtmlReport.RenderText(ReportFixtures.Report(ReportFixtures.Timeline(300, 4)));

        // The SVG namespace is a name, not a fetch; nothing else may name a scheme or a source.
        string withoutNamespace = page.Replace("'http://www.w3.org/2000/svg'", "", StringComparison.Ordinal);
        foreach (string reference in new[] { "http:", "https:", "//cdn", "src=", "href=", "url(", "@import", "<link", "<iframe", "fetch(", "XMLHttpRequest" })
        {
            Assert.DoesNotContain(reference, withoutNamespace, StringComparison.OrdinalIgnoreCase);
        }
        string policy = Regex.Match(page, "<meta http-equiv=\"Content-Security-Policy\" content=\"([^\"]*)\">").Groups[1].Value;
        Assert.StartsWith("default-src 'none';", policy, StringComparison.Ordinal);
        string script = Regex.Match(page, "<script>(.*?)</script>", RegexOptions.Singleline).Groups[1].Value;
        string style = Regex.Match(page, "<style>(.*?)</style>", RegexOptions.Singleline).Groups[1].Value;
        Assert.Contains($"script-src 'sha256-{Sha256(script)}'", policy, StringComparison.Ordinal);
        Assert.Contains($"style-src 'sha256-{Sha256(style)}'", policy, StringComparison.Ordinal);
    }

    [Fact]
    public void RenderText_ShortVideo_OnePointPerFrameAndOneStripRunPerSegment()
    {
        LabelReport report = ReportFixtures.Report(ReportFixtures.Timeline(450, 4));

        using JsonDocument data = Data(HtmlReport.RenderText(report));
        JsonElement root = data.RootElement;

        Assert.True(root.GetProperty("exact").GetBoolean());
        Assert.Equal(450, root.GetProperty("t").GetArrayLength());
        Assert.Equal(4, root.GetProperty("p").GetArrayLength());
        Assert.All(root.GetProperty("p").EnumerateArray(), series => Assert.Equal(450, series.GetArrayLength()));
        Assert.Equal(report.Segments.Count, root.GetProperty("strip").GetArrayLength());
        Assert.False(root.TryGetProperty("pmin", out _));
        // Probabilities in 1/10000: frame 0's, each within half a unit.
        Span<float> probs = stackalloc float[4];
        ReportFixtures.Frame(0, 4, probs);
        for (int k = 0; k < 4; k++)
        {
            Assert.Equal(probs[k] * HtmlReport.Scale, root.GetProperty("p")[k][0].GetInt32(), 0.5);
        }
    }

    [Fact]
    public void RenderText_LongVideoOf18Classes_StaysUnderAMegabyte()
    {
        LabelReport report = ReportFixtures.Report(ReportFixtures.Timeline(300_000, 18), minSegment: 30);

        byte[] page = HtmlReport.Render(report);

        output.WriteLine($"300,000 frames, 18 classes: {page.Length:N0} bytes, {report.Columns.Count} columns, {report.Segments.Count:N0} segments, strip of {report.Strip.Count}");
        Assert.InRange(page.Length, 1, 1_000_000);
        using JsonDocument data = Data(Encoding.UTF8.GetString(page));
        Assert.False(data.RootElement.GetProperty("exact").GetBoolean());
        Assert.Equal(report.Columns.Count, data.RootElement.GetProperty("pmax")[17].GetArrayLength());
    }

    private static string Sha256(string text) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
