namespace AgentRnn.Host.Labeling.Report;

/// <summary>
/// Where <c>agent label --report</c> writes. One video: the given .html path, and the PNG beside it. Several videos:
/// the option names a directory, with &lt;video name&gt;.report.html and .report.png for each, as --segments and
/// --annotate do (<see cref="LabelRequestBuilder"/> resolves and checks them).
/// </summary>
internal static class ReportPaths
{
    /// <summary>The PNG written beside a report's HTML file: the same path with the extension .png.</summary>
    public static string Png(string html) => Path.ChangeExtension(html, ".png");
}
