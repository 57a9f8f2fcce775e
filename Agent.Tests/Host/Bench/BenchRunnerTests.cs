using AgentRnn.Cli.Bench;
using System.Text.Json;
using AgentRnn.Host.Bench;
using AgentRnn.Host.Pipeline;
using AgentRnn.Tests.Host.Pipeline;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Bench;

public class BenchRunnerTests(ITestOutputHelper output)
{
    private const int ObservationSize = 32;

    [Fact]
    public async Task RunAsync_MemorySources_ReportsEveryFrameAndTheJsonShape()
    {
        const int streams = 3;
        const long total = 100;
        var observations = new byte[4 * ObservationSize];
        new Random(1).NextBytes(observations);
        var sources = Enumerable.Range(0, streams)
            .Select(s => (IFrameSource)new MemoryFrameSource($"m{s}", observations, ObservationSize, BenchRunner.FramesForStream(total, streams, s)))
            .ToArray();

        BenchReport report = await BenchRunner.RunAsync(new HashModel(ObservationSize), sources, new PipelineOptions(), "memory", "hash", CancellationToken.None);
        string line = report.ToJson();
        output.WriteLine(line);

        Assert.DoesNotContain('\n', line);
        using JsonDocument json = JsonDocument.Parse(line);
        JsonElement root = json.RootElement;
        Assert.Equal(total, root.GetProperty("frames").GetInt64());
        Assert.Equal(streams, root.GetProperty("streams").GetInt32());
        Assert.True(root.GetProperty("fps").GetDouble() > 0);
        Assert.Equal(["source", "model", "sink"], root.GetProperty("stages").EnumerateObject().Select(p => p.Name));
        Assert.All(root.GetProperty("stages").EnumerateObject(), stage => Assert.True(stage.Value.GetProperty("fps").GetDouble() >= 0));
        JsonElement latency = root.GetProperty("latency_ms");
        Assert.True(latency.GetProperty("p99").GetDouble() >= latency.GetProperty("p50").GetDouble());
        Assert.True(root.GetProperty("peak_mb").GetDouble() > 0);
        Assert.Equal(Math.Min(streams, Environment.ProcessorCount) + 2, root.GetProperty("threads").GetInt32());
    }

    [Fact]
    public async Task WriteTable_ListsEachStageAndOverall()
    {
        var observations = new byte[ObservationSize];
        IFrameSource[] sources = [new MemoryFrameSource("m", observations, ObservationSize, 10)];
        BenchReport report = await BenchRunner.RunAsync(new HashModel(ObservationSize), sources, new PipelineOptions(), "memory", "hash", CancellationToken.None);
        var text = new StringWriter();

        report.WriteTable(text);
        output.WriteLine(text.ToString());

        foreach (string row in new[] { "source", "model", "sink", "overall", "latency p50" })
        {
            Assert.Contains(row, text.ToString());
        }
    }

    [Fact]
    public void FramesForStream_SplitsTheTotalExactly()
    {
        long[] shares = Enumerable.Range(0, 7).Select(s => BenchRunner.FramesForStream(100, 7, s)).ToArray();

        Assert.Equal(100, shares.Sum());
        Assert.True(shares.Max() - shares.Min() <= 1);
    }
}
