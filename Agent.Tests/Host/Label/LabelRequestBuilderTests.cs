using AgentRnn.Core;
using AgentRnn.Host.Labeling;

namespace AgentRnn.Tests.Host.Label;

public class LabelRequestBuilderTests
{
    private static LabelRequest Build(string[] videos, string? output = null, string? outputDir = null, string? format = null,
        string? emit = null, string? segments = null, int? minSegment = null, string? annotate = null, string? classes = null,
        string? classesFile = null, string? report = null) =>
        LabelRequestBuilder.Build(videos, output, outputDir, format, emit, segments, minSegment, annotate, classes, classesFile, report);

    [Theory]
    [InlineData("--out and --out-dir are contradictory: give one", new[] { "a.mp4" }, "a.jsonl", "dir")]
    [InlineData("--out names one file but 2 videos were given: use --out-dir DIR (one output per video)", new[] { "a.mp4", "b.mp4" }, "a.jsonl", null)]
    [InlineData("2 videos need --out-dir DIR (one output per video)", new[] { "a.mp4", "b.mp4" }, null, null)]
    [InlineData("two videos are named 'a': their outputs in --out-dir would collide", new[] { "x/a.mp4", "y/a.avi" }, null, "dir")]
    [InlineData("--out rows.txt: cannot tell the format from the extension; use .jsonl or .csv, or --format", new[] { "a.mp4" }, "rows.txt", null)]
    public void Build_ContradictoryOutputs_OneClearLine(string message, string[] videos, string? output, string? outputDir)
    {
        var error = Assert.Throws<AgentException>(() => Build(videos, output, outputDir));

        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void Build_UnknownEmitField_NamesIt()
    {
        var error = Assert.Throws<AgentException>(() => Build(["a.mp4"], emit: "probs,logits"));

        Assert.Equal("--emit: unknown field 'logits' (expected probs, value)", error.Message);
    }

    [Fact]
    public void Build_FormatContradictsExtension_Throws()
    {
        var error = Assert.Throws<AgentException>(() => Build(["a.mp4"], "rows.csv", format: "jsonl"));

        Assert.Equal("--format jsonl contradicts --out rows.csv", error.Message);
    }

    [Fact]
    public void Build_MinSegmentWithoutSegments_Throws()
    {
        Assert.Equal("--min-segment needs --segments FILE.csv or --report OUT.html", Assert.Throws<AgentException>(() => Build(["a.mp4"], minSegment: 5)).Message);
    }

    [Fact]
    public void Build_OutputOverwritesInput_Throws()
    {
        var error = Assert.Throws<AgentException>(() => Build(["a.mp4"], "rows.csv", annotate: "a.mp4"));

        Assert.Equal("a.mp4: an output would overwrite the input video", error.Message);
    }

    [Fact]
    public void Build_SeveralVideosWithOutDir_OneOutputPerVideoInTheDirectories()
    {
        LabelRequest request = Build(["v/one.mp4", "w/two.avi"], outputDir: "out", format: "csv", emit: "value", segments: "seg", annotate: "ann");

        Assert.Equal([Path.Combine("out", "one.csv"), Path.Combine("out", "two.csv")], request.Rows);
        Assert.Equal([Path.Combine("seg", "one.segments.csv"), Path.Combine("seg", "two.segments.csv")], request.Segments);
        Assert.Equal([Path.Combine("ann", "one.annotated.mp4"), Path.Combine("ann", "two.annotated.mp4")], request.Annotate);
        Assert.Equal(LabelFormat.Csv, request.Format);
        Assert.True(request.EmitValue);
        Assert.False(request.EmitProbs);
    }

    [Fact]
    public void Build_OneVideoNoOutput_RowsGoToStdoutAsJsonl()
    {
        LabelRequest request = Build(["a.mp4"]);

        Assert.Equal([null], request.Rows);
        Assert.Equal(LabelFormat.Jsonl, request.Format);
    }

    [Fact]
    public void Build_ReportForOneVideo_TheHtmlPathAsGivenAndMinSegmentAllowed()
    {
        LabelRequest request = Build(["a.mp4"], "a.jsonl", report: "out/a.html", minSegment: 4);

        Assert.Equal(["out/a.html"], request.Reports);
        Assert.Equal(Path.Combine("out", "a.png"), AgentRnn.Host.Labeling.Report.ReportPaths.Png(request.Reports[0]!));
        Assert.Equal(4, request.MinSegment);
    }

    [Fact]
    public void Build_SeveralVideosWithReport_OneReportPerVideoInTheDirectory()
    {
        LabelRequest request = Build(["v/one.mp4", "w/two.avi"], outputDir: "out", report: "rep");

        Assert.Equal([Path.Combine("rep", "one.report.html"), Path.Combine("rep", "two.report.html")], request.Reports);
    }

    [Fact]
    public void Build_ReportNotHtml_ThrowsNamingTheHtmlPath()
    {
        var error = Assert.Throws<AgentException>(() => Build(["a.mp4"], report: "out/a.png"));

        Assert.Equal("--report out/a.png: name the HTML file, e.g. out/a.html (the PNG is written beside it)", error.Message);
    }

    [Fact]
    public void Build_ReportPngIsAnotherOutput_Throws()
    {
        var error = Assert.Throws<AgentException>(() => Build(["a.mp4"], annotate: "a.annotated.png", report: "a.annotated.html"));

        Assert.Equal("a.annotated.png: named for two outputs", error.Message);
    }

    [Fact]
    public void Build_ReportOverwritesInput_Throws()
    {
        var error = Assert.Throws<AgentException>(() => Build(["a.html"], report: "a.html"));

        Assert.Equal("a.html: an output would overwrite the input video", error.Message);
    }
}
