using System.Text.Json;
using AgentRnn.Core.Kernels;
using AgentRnn.Cli;
using AgentRnn.Tests.Core.Kernels;

namespace AgentRnn.Tests.Host.Bench;

/// <summary>--threads on bench: what it chooses and that it is reported (it is the model's own setting; nothing process-wide is set).</summary>
[Collection(nameof(KernelParallelismCollection))]
public sealed class BenchThreadsTests
{
    private static async Task<(int Code, JsonElement Report, string Stderr)> BenchAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await AgentCli.RunAsync(["bench", "--frames", "4", "--json", .. args], stdout, stderr);
        JsonElement report = code == 0 ? JsonDocument.Parse(stdout.ToString().TrimEnd().Split('\n')[^1]).RootElement.Clone() : default;
        return (code, report, stderr.ToString());
    }

    [Fact]
    public async Task Bench_Synthetic_UsesEveryThreadByDefault()
    {
        (int code, JsonElement report, string stderr) = await BenchAsync();
        Assert.True(code == 0, stderr);
        Assert.Equal(KernelParallelism.Available, report.GetProperty("model_threads").GetInt32());
    }

    [Fact]
    public async Task Bench_ThreadsOne_IsReported()
    {
        (int code, JsonElement report, string stderr) = await BenchAsync("--model-only", "--threads", "1");
        Assert.True(code == 0, stderr);
        Assert.Equal(1, report.GetProperty("model_threads").GetInt32());
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("100000")]
    public async Task Bench_ThreadsOutOfRange_IsOneLineNamingTheFlag(string threads)
    {
        (int code, _, string stderr) = await BenchAsync("--threads", threads);
        Assert.Equal(1, code);
        string line = Assert.Single(stderr.TrimEnd().Split('\n'));
        Assert.Contains($"--threads must be between 1 and {KernelParallelism.Available}", line);
        Assert.Contains(threads, line);
    }
}
