using System.Globalization;
using AgentRnn.Core.Kernels;
using AgentRnn.Tests.Core.SafeTensors;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Core.Kernels;

/// <summary>The measured FMA peak: its calibration and its per-machine cache file (each test with its own file).</summary>
public class FmaPeakTests(ITestOutputHelper output)
{
    [Fact]
    public void Measure_ScalarAndBestLevel_GivePositiveRates()
    {
        // Only the sign is checked: a rate measured beside other tests says nothing stable about the machine.
        double scalar = FmaPeak.Measure(IsaLevel.Scalar, 1);
        double best = FmaPeak.Measure(KernelIsa.Best, 2);
        output.WriteLine($"scalar on one thread {scalar:F2} GFLOP/s, {KernelIsa.Describe(KernelIsa.Best)} on two {best:F2} GFLOP/s; key {FmaPeak.Key(KernelIsa.Best, 2)}");
        Assert.True(double.IsFinite(scalar) && scalar > 0, $"scalar {scalar}");
        Assert.True(double.IsFinite(best) && best > 0, $"{KernelIsa.Best} {best}");
    }

    [Fact]
    public void Gflops_CachedValue_IsReadInsteadOfMeasured()
    {
        using var folder = new TempDirectory();
        string file = folder.File("agentrnn/fma-peak.tsv");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        string key = FmaPeak.Key(IsaLevel.Scalar, 1);
        File.WriteAllLines(file, ["other machine|1 cpus|Scalar|1 threads\t5", $"{key}\t1234.5"]);

        Assert.Equal(1234.5, FmaPeak.Gflops(IsaLevel.Scalar, 1, file));
        Assert.Contains("other machine|1 cpus|Scalar|1 threads\t5", File.ReadAllLines(file));
    }

    [Fact]
    public void Gflops_MissingOrCorruptCache_MeasuresAndWritesIt()
    {
        using var folder = new TempDirectory();
        string missing = folder.File("new/fma-peak.tsv");
        double measured = FmaPeak.Gflops(IsaLevel.Scalar, 1, missing);
        Assert.True(measured > 0);
        string line = Assert.Single(File.ReadAllLines(missing));
        Assert.Equal($"{FmaPeak.Key(IsaLevel.Scalar, 1)}\t{measured.ToString("R", CultureInfo.InvariantCulture)}", line);

        string corrupt = folder.File("corrupt.tsv");
        File.WriteAllBytes(corrupt, [0xFF, 0xFE, 0x00, 0x09, 0x41]);
        double remeasured = FmaPeak.Gflops(IsaLevel.Scalar, 1, corrupt);
        output.WriteLine($"scalar peak: {measured:F2} then {remeasured:F2} GFLOP/s");
        Assert.True(remeasured > 0);
        Assert.Contains(File.ReadAllLines(corrupt), l => l.StartsWith(FmaPeak.Key(IsaLevel.Scalar, 1) + "\t", StringComparison.Ordinal));
    }

    [Fact]
    public void Gflops_LevelThisCpuLacks_Throws()
    {
        if (KernelIsa.Best == IsaLevel.Vector512)
        {
            Assert.Equal(IsaLevel.Vector512, KernelIsa.Best);
            return;
        }
        using var folder = new TempDirectory();
        Assert.Throws<ArgumentOutOfRangeException>(() => FmaPeak.Gflops(IsaLevel.Vector512, 1, folder.File("x.tsv")));
    }
}
