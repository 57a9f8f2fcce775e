using AgentRnn.Tests.Vision.Encoders;
using BenchmarkDotNet.Attributes;

namespace AgentRnn.Benchmarks;

/// <summary>An encoder at a batch size, fed uint8 frames.</summary>
public sealed record EncoderCase(string Model, int Batch) : IFlops
{
    public double Flops => Batch * (Model == "impala" ? Models.ImpalaFlops : Models.NatureFlops);
    public override string ToString() => $"{Model} b{Batch}";
}

/// <summary>Whole encoders on uint8 frames (NatureCNN 4×84×84 → 512, IMPALA 3×64×64 → 256).</summary>
[Config(typeof(KernelConfig))]
public class EncoderBenchmarks
{
    private Encoder? _encoder;
    private byte[] _frames = [];
    private float[] _features = [];

    public static IEnumerable<EncoderCase> Cases() =>
        [new("nature", 1), new("nature", 64), new("impala", 1), new("impala", 64)];

    [ParamsSource(nameof(Cases))]
    public EncoderCase Case { get; set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        _encoder = Case.Model == "impala" ? Models.Impala() : Models.Nature();
        _frames = Models.Frames(Case.Batch * _encoder.InputSize, 1);
        _features = new float[Case.Batch * _encoder.OutputSize];
    }

    [Benchmark]
    public void Forward() => _encoder!.Forward(_frames, _features, Case.Batch);
}
