using System.Diagnostics;
using AgentRnn.Host.Pipeline;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Pipeline;

public class LatencyHistogramTests(ITestOutputHelper output)
{
    [Fact]
    public void PercentileMs_UniformMilliseconds_WithinOneBucket()
    {
        // 1..1000 ms, one each: p50 is 500 ms and p99 990 ms; buckets are 2% wide, so the tolerance is 2%.
        var histogram = new LatencyHistogram();
        for (int ms = 1; ms <= 1000; ms++)
        {
            histogram.RecordTicks(ms * Stopwatch.Frequency / 1000);
        }

        double p50 = histogram.PercentileMs(0.50);
        double p99 = histogram.PercentileMs(0.99);
        output.WriteLine($"p50={p50:F3} ms (500), p99={p99:F3} ms (990)");

        Assert.Equal(1000, histogram.Count);
        Assert.InRange(p50, 500 * 0.98, 500 * 1.02);
        Assert.InRange(p99, 990 * 0.98, 990 * 1.02);
    }

    [Fact]
    public void PercentileMs_Empty_IsZero()
    {
        Assert.Equal(0, new LatencyHistogram().PercentileMs(0.5));
    }
}
