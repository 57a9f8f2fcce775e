using System.Text.Json;
using AgentRnn.Cli;
using AgentRnn.Core.Kernels;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Bench;

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
        Assert.Equal(["render", "preprocess", "model", "encoder", "memory", "heads", "sink"], root.GetProperty("stages").EnumerateObject().Select(p => p.Name));
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
        Assert.Equal(["source", "model", "encoder", "memory", "heads", "sink"], json.RootElement.GetProperty("stages").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Bench_DefaultModel_SplitsTheModelStageAndReportsGflops()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();

        int code = await AgentCli.RunAsync(["bench", "--model-only", "--streams", "2", "--frames", "8", "--json"], stdout, stderr);
        output.WriteLine(stdout.ToString());

        Assert.True(code == 0, stderr.ToString());
        using JsonDocument json = JsonDocument.Parse(stdout.ToString().TrimEnd().Split('\n')[^1]);
        JsonElement root = json.RootElement;
        JsonElement stages = root.GetProperty("stages");
        double model = stages.GetProperty("model").GetProperty("busy_s").GetDouble();
        double parts = new[] { "encoder", "memory", "heads" }.Sum(p => stages.GetProperty(p).GetProperty("busy_s").GetDouble());
        Assert.True(parts > 0 && parts <= model + 0.002, $"parts {parts} s, model {model} s");
        // NatureCNN 4x84x84 (conv 6.55 + 5.31 + 3.61 MFLOP, linear 3.21) + LSTM 512→256 (1.57) + heads 256→6+1.
        const long expected = 2L * (400 * 32 * 256 + 81 * 64 * 512 + 49 * 64 * 576 + 3136 * 512 + 768 * 1024 + 256 * 7);
        Assert.Equal(expected, root.GetProperty("flops_per_frame").GetInt64());
        Assert.Equal(root.GetProperty("fps").GetDouble() * expected / 1e9, root.GetProperty("gflops").GetDouble(), 0.01);
        Assert.True(root.GetProperty("peak_gflops").GetDouble() > 0, "the measured FMA peak is reported");
        Assert.Equal(KernelIsa.Describe(KernelIsa.Best), root.GetProperty("peak_isa").GetString());
        Assert.Equal(root.GetProperty("gflops").GetDouble() / root.GetProperty("peak_gflops").GetDouble(), root.GetProperty("peak_share").GetDouble(), 0.001);
        Assert.Contains("  encoder", stdout.ToString());
        Assert.Contains("GFLOP/s", stdout.ToString());
    }

    [Theory]
    [InlineData("--streams", "0", "error: --streams must be at least 1, not 0", 2)]
    [InlineData("--streams", "100000000", "error: --streams 100000000 is over the limit of 8192 streams per run", 2)]
    [InlineData("--frames", "2000000000000", "error: --frames 2000000000000 is over the limit of 1000000000000 frames per run", 2)]
    [InlineData("--frames", "0", "error: --frames 0 is fewer than one frame per stream (1 streams)", 1)]
    [InlineData("--gray", "luma", "error: --gray and --exact-gray apply to a video --source; the synthetic source renders its frames", 1)]
    public async Task Bench_BadCountsOrFlags_OneLine(string flag, string value, string expected, int exitCode)
    {
        var stderr = new StringWriter();

        int code = await AgentCli.RunAsync(["bench", flag, value], new StringWriter(), stderr);

        Assert.Equal(exitCode, code);
        Assert.Equal(expected, stderr.ToString().Trim());
    }
}
