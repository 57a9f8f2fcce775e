using System.Text.Json;
using Agent.Host.Cli;
using Xunit.Abstractions;

namespace Agent.Tests.Host.Bench;

public class BenchCommandTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Bench_DefaultModelSyntheticJson_LastLineIsTheReport()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int code = await AgentCli.RunAsync(["bench", "--streams", "2", "--frames", "6", "--json"], stdout, stderr);
        output.WriteLine(stdout.ToString());

        Assert.True(code == 0, stderr.ToString());
        string last = stdout.ToString().TrimEnd('\n', '\r').Split('\n')[^1];
        using JsonDocument json = JsonDocument.Parse(last);
        JsonElement root = json.RootElement;
        Assert.Equal(6, root.GetProperty("frames").GetInt64());
        Assert.Equal(2, root.GetProperty("streams").GetInt32());
        Assert.True(root.GetProperty("fps").GetDouble() > 0);
        Assert.Equal(["render", "preprocess", "model", "sink"], root.GetProperty("stages").EnumerateObject().Select(p => p.Name));
        Assert.True(root.GetProperty("latency_ms").TryGetProperty("p50", out _));
        Assert.True(root.GetProperty("latency_ms").TryGetProperty("p99", out _));
        Assert.True(root.GetProperty("peak_mb").GetDouble() > 0);
        Assert.Contains("overall", stdout.ToString());
    }

    [Fact]
    public async Task Bench_ModelOnly_ReportsAMemorySource()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int code = await AgentCli.RunAsync(["bench", "--model-only", "--frames", "4", "--json"], stdout, stderr);

        Assert.True(code == 0, stderr.ToString());
        using JsonDocument json = JsonDocument.Parse(stdout.ToString().TrimEnd().Split('\n')[^1]);
        Assert.Equal("memory (synthetic)", json.RootElement.GetProperty("source").GetString());
        Assert.Equal(["source", "model", "sink"], json.RootElement.GetProperty("stages").EnumerateObject().Select(p => p.Name));
    }

    [Theory]
    [InlineData("--streams", "0", "error: --streams must be at least 1, not 0")]
    [InlineData("--frames", "0", "error: --frames 0 is fewer than one frame per stream (1 streams)")]
    public async Task Bench_BadCounts_OneLine(string flag, string value, string expected)
    {
        var stderr = new StringWriter();

        int code = await AgentCli.RunAsync(["bench", flag, value], new StringWriter(), stderr);

        Assert.Equal(1, code);
        Assert.Equal(expected, stderr.ToString().Trim());
    }
}
