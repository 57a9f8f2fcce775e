using System.Text;
using System.Text.Json;
using AgentRnn.Host.Labeling;

namespace AgentRnn.Tests.Host.Label;

public class RowFormatterTests
{
    private static readonly float[] Probs = [0.125f, 0.625f, 0.25f];

    [Fact]
    public void Row_JsonlWithProbsAndValue_IsOneJsonObjectWithEveryField()
    {
        ClassNames classes = ClassNames.Resolve("idle,say \"hi\",jump", null, 3);
        var formatter = new RowFormatter(LabelFormat.Jsonl, classes, emitProbs: true, emitValue: true);

        string line = Encoding.UTF8.GetString(formatter.Row(12, 0.4, 1, Probs, -1.5f));

        Assert.EndsWith("\n", line);
        Assert.Empty(formatter.Header());
        using JsonDocument json = JsonDocument.Parse(line);
        JsonElement row = json.RootElement;
        Assert.Equal(12, row.GetProperty("frame").GetInt64());
        Assert.Equal(0.4, row.GetProperty("time").GetDouble());
        Assert.Equal("say \"hi\"", row.GetProperty("label").GetString());
        Assert.Equal(0.625f, row.GetProperty("score").GetSingle());
        Assert.Equal(Probs, row.GetProperty("probs").EnumerateArray().Select(p => p.GetSingle()));
        Assert.Equal(-1.5f, row.GetProperty("value").GetSingle());
    }

    [Fact]
    public void Row_JsonlWithoutEmit_HasOnlyTheFourColumns()
    {
        var formatter = new RowFormatter(LabelFormat.Jsonl, ClassNames.Indices(3), emitProbs: false, emitValue: false);

        using JsonDocument json = JsonDocument.Parse(Encoding.UTF8.GetString(formatter.Row(0, 0, 2, Probs, 3f)));

        Assert.Equal(["frame", "time", "label", "score"], json.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.Equal("2", json.RootElement.GetProperty("label").GetString());
    }

    [Fact]
    public void Row_Csv_MatchesTheHeaderColumnForColumn()
    {
        ClassNames classes = ClassNames.Resolve("a,b c,d", null, 3);
        var formatter = new RowFormatter(LabelFormat.Csv, classes, emitProbs: true, emitValue: true);

        string header = Encoding.UTF8.GetString(formatter.Header());
        string row = Encoding.UTF8.GetString(formatter.Row(7, 0.25, 1, Probs, 2f));

        Assert.Equal("frame,time,label,score,prob_a,prob_b c,prob_d,value\n", header);
        Assert.Equal("7,0.25,b c,0.625,0.125,0.625,0.25,2\n", row);
    }

    [Fact]
    public void Row_CsvLabelWithComma_IsQuoted()
    {
        var classes = ClassNames.Resolve(null, WriteClassesFile("left, fast\nright\n\n"), 2);
        var formatter = new RowFormatter(LabelFormat.Csv, classes, emitProbs: false, emitValue: false);

        Assert.Equal("3,0.1,\"left, fast\",0.75\n", Encoding.UTF8.GetString(formatter.Row(3, 0.1, 0, [0.75f, 0.25f], 0)));
    }

    [Fact]
    public void Resolve_WrongNumberOfNames_NamesTheMismatch()
    {
        var error = Assert.Throws<AgentRnn.Core.AgentException>(() => ClassNames.Resolve("a,b", null, 6));

        Assert.Equal("--classes: 2 class names for a model with 6 actions", error.Message);
    }

    private static string WriteClassesFile(string text)
    {
        string path = Path.Combine(Path.GetTempPath(), $"agent-classes-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, text);
        return path;
    }
}
