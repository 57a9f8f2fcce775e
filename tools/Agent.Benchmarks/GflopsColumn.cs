using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace AgentRnn.Benchmarks;

/// <summary>A summary column: achieved GFLOP/s (2 FLOPs per multiply-add) and its share of the machine's FMA peak.</summary>
internal sealed class GflopsColumn : IColumn
{
    /// <summary>Peak FMA throughput the share is taken of: 2 cores × 2 FMA pipes × 8 lanes × 2 FLOPs × 2.45 GHz.</summary>
    public const double PeakGflops = 157.0;

    public string Id => nameof(GflopsColumn);
    public string ColumnName => "GFLOP/s (peak %)";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => $"FLOPs per operation / mean time; share of a {PeakGflops} GFLOP/s FMA peak";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        BenchmarkReport? report = summary[benchmarkCase];
        double? nanoseconds = report?.ResultStatistics?.Mean;
        if (nanoseconds is not > 0 || benchmarkCase.Parameters["Case"] is not IFlops shape)
        {
            return "-";
        }
        double gflops = shape.Flops / nanoseconds.Value;
        return $"{gflops:F1} ({100 * gflops / PeakGflops:F0}%)";
    }
}

/// <summary>A benchmark case that knows its FLOP count.</summary>
internal interface IFlops
{
    double Flops { get; }
}
