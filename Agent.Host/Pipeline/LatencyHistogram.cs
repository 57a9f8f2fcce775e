using System.Diagnostics;

namespace AgentRnn.Host.Pipeline;

/// <summary>
/// Per-frame latencies in log-spaced buckets (2% wide, 1 µs to about 100 s), so recording allocates nothing and
/// percentiles are exact to within a bucket. One thread records; read it after recording stops.
/// </summary>
public sealed class LatencyHistogram
{
    // ln(1.02): each bucket is 2% wider than the last.
    private const double LogBase = 0.0198026272961797;
    private const int BucketCount = 932;

    private readonly long[] _counts = new long[BucketCount];

    /// <summary>Number of recorded latencies.</summary>
    public long Count { get; private set; }

    /// <summary>Records one latency given in <see cref="Stopwatch"/> ticks.</summary>
    public void RecordTicks(long ticks)
    {
        double micros = Math.Max(1.0, ticks * 1e6 / Stopwatch.Frequency);
        int bucket = Math.Min(BucketCount - 1, (int)(Math.Log(micros) / LogBase));
        _counts[bucket]++;
        Count++;
    }

    /// <summary>The latency in milliseconds below which a fraction <paramref name="quantile"/> (0..1) of records fall; 0 when empty.</summary>
    public double PercentileMs(double quantile)
    {
        if (Count == 0)
        {
            return 0;
        }
        long rank = Math.Max(1, (long)Math.Ceiling(quantile * Count));
        long seen = 0;
        for (int i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                // The bucket's geometric middle: within 1% of every value in it.
                return Math.Exp((i + 0.5) * LogBase) / 1000.0;
            }
        }
        return Math.Exp(BucketCount * LogBase) / 1000.0;
    }
}
