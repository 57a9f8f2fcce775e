using AgentRnn.Core.Kernels;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace AgentRnn.Benchmarks;

/// <summary>A GEMM shape C(m, n) = A(m, k)·B(k, n): conv-as-GEMM (pixels × out channels × patch) and linear shapes.</summary>
public sealed record GemmShape(string Name, int M, int N, int K) : IFlops
{
    public double Flops => 2.0 * M * N * K;
    public override string ToString() => $"{Name} {M}x{N}x{K}";
}

/// <summary>A convolution of the encoders at a batch size.</summary>
public sealed record ConvCase(string Name, int Batch, int In, int Out, int Kernel, int Stride, int Padding, int Size, bool Frames) : IFlops
{
    public int OutSize => (Size + 2 * Padding - Kernel) / Stride + 1;
    public double Flops => 2.0 * Batch * OutSize * OutSize * Out * In * Kernel * Kernel;
    public override string ToString() => $"{Name} b{Batch}";
}

/// <summary>Config shared by the kernel benchmarks: the GFLOP/s column.</summary>
public sealed class KernelConfig : ManualConfig
{
    public KernelConfig()
    {
        AddColumn(new GflopsColumn());
    }
}

/// <summary>The packed GEMM micro-kernel driver on the model's shapes (weights packed once, as the layers do).</summary>
[Config(typeof(KernelConfig))]
public unsafe class GemmBenchmarks
{
    private PackedPanels? _b;
    private float[] _a = [];
    private float[] _c = [];

    public static IEnumerable<GemmShape> Cases() =>
    [
        new("nature.conv1", 400, 32, 256),
        new("nature.conv2", 81, 64, 512),
        new("nature.conv3", 49, 64, 576),
        new("nature.linear b1", 1, 512, 3136),
        new("nature.linear b64", 64, 512, 3136),
        new("nature.conv2 b64", 64 * 81, 64, 512),
        new("lstm.gates b1", 1, 1024, 768),
        new("lstm.gates b64", 64, 1024, 768),
    ];

    [ParamsSource(nameof(Cases))]
    public GemmShape Case { get; set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        _b = PackedPanels.FromTransposed(Models.Random(Case.N * Case.K, 1, 0.05f), Models.Random(Case.N, 2), Case.N, Case.K);
        _a = GC.AllocateArray<float>(Case.M * Case.K, pinned: true);
        Models.Random(Case.M * Case.K, 3).CopyTo(_a, 0);
        _c = GC.AllocateArray<float>(Case.M * Case.N, pinned: true);
    }

    [Benchmark]
    public void Gemm()
    {
        fixed (float* a = _a)
        fixed (float* c = _c)
        {
            GemmCore.Run(a, Case.K, Case.M, Case.K, Case.N, _b!.Data, _b.Bias, c, Case.N, accumulate: false, relu: true);
        }
    }
}

/// <summary>The encoders' convolutions end to end (gather + GEMM + fused bias/ReLU), channels-last output.</summary>
[Config(typeof(KernelConfig))]
public class ConvBenchmarks
{
    private Conv2d? _conv;
    private float[] _x = [];
    private byte[] _frames = [];
    private float[] _y = [];
    private float[] _scratch = [];

    public static IEnumerable<ConvCase> Cases() =>
    [
        new("nature.conv1 (uint8)", 1, 4, 32, 8, 4, 0, 84, true),
        new("nature.conv2", 1, 32, 64, 4, 2, 0, 20, false),
        new("nature.conv3", 1, 64, 64, 3, 1, 0, 9, false),
        new("nature.conv1 (uint8)", 64, 4, 32, 8, 4, 0, 84, true),
        new("nature.conv2", 64, 32, 64, 4, 2, 0, 20, false),
        new("nature.conv3", 64, 64, 64, 3, 1, 0, 9, false),
        new("impala.res 32x32x16", 1, 16, 16, 3, 1, 1, 32, false),
        new("impala.res 16x16x32", 16, 32, 32, 3, 1, 1, 16, false),
    ];

    [ParamsSource(nameof(Cases))]
    public ConvCase Case { get; set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        ConvCase c = Case;
        _conv = new Conv2d(Models.Random(c.Out * c.In * c.Kernel * c.Kernel, 1, 0.05f), Models.Random(c.Out, 2), c.In, c.Out, c.Kernel, c.Kernel, c.Stride, c.Padding);
        int input = c.Batch * c.In * c.Size * c.Size;
        _x = Models.Random(input, 3);
        _frames = Models.Frames(input, 4);
        _y = new float[c.Batch * c.Out * c.OutSize * c.OutSize];
        _scratch = new float[_conv.ScratchSize(c.Batch, c.Size, c.Size)];
    }

    [Benchmark]
    public void Conv()
    {
        if (Case.Frames)
        {
            _conv!.ForwardNhwc(_frames, _y, Case.Batch, Case.Size, Case.Size, Fusion.ReluOutput, _scratch);
        }
        else
        {
            _conv!.ForwardNhwc(_x, Layout.Nhwc, _y, Case.Batch, Case.Size, Case.Size, Fusion.ReluOutput, _scratch);
        }
    }
}
