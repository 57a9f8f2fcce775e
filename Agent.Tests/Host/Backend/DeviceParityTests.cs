using System.Diagnostics;
using System.Text.Json;
using AgentRnn.Cli;
using AgentRnn.Core.Compute.Ilgpu;
using AgentRnn.Core.Recurrent;
using AgentRnn.Host.Env;
using AgentRnn.Host.Env.Samples;
using AgentRnn.Host.Models;
using AgentRnn.Tests.Compute;
using AgentRnn.Tests.Host.Label;
using AgentRnn.Vision;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Backend;

/// <summary>
/// Device parity end to end: the one policy network on the CPU device against ILGPU's CPU accelerator (what CI has;
/// the same kernels CUDA and OpenCL run), through `agent label`, `agent bench`, `agent run` and AgentBrain's memory
/// snapshots and episode resets. Tolerance: 1e-4 absolute on probabilities, scores and values. The models are tiny
/// (NatureCNN on 2×36×36, 32 features, hidden 16) because the accelerator emulates GPU threads; each test prints its
/// time, which stays a few seconds on a loaded 2-core machine.
/// </summary>
public sealed class DeviceParityTests(IlgpuDeviceFixture fixture, ITestOutputHelper output) : IClassFixture<IlgpuDeviceFixture>, IDisposable
{
    private const float Tolerance = 1e-4f;
    private readonly string _directory = TestVideos.Directory();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public void Dispose()
    {
        output.WriteLine($"test time {_clock.Elapsed.TotalSeconds:F1} s");
        Directory.Delete(_directory, recursive: true);
    }

    private static PolicyModel Tiny(CellKind cell, int layers = 1, bool criticMemory = false, int actions = 4, int seed = 3) => PolicyModel.CreateRandom(
        ModelConfig.ForFrames(new PreprocessConfig(36, 36, true, 2, PreprocessConfig.DefaultScale), ActionSpec.Discrete(actions), cell: cell, hiddenSize: 16)
            with { FeatureSize = 32, Layers = layers, CriticMemory = criticMemory },
        seed);

    private string Save(PolicyModel model, string name)
    {
        string path = Path.Combine(_directory, name + ".safetensors");
        model.Save(path);
        return path;
    }

    private static async Task<(int Code, string Stdout, string Stderr)> AgentAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await AgentCli.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Theory]
    [InlineData(CellKind.Lstm, 1, false)]
    [InlineData(CellKind.Gru, 2, true)]
    [InlineData(CellKind.Rnn, 1, false)]
    public async Task Label_TinyModel_IlgpuCpuRowsMatchCpu(CellKind cell, int layers, bool criticMemory)
    {
        string model = Save(Tiny(cell, layers, criticMemory), $"{cell}");
        // One video: the sequence path (its frames in one call, an episode start at frame 0); two videos: the batch
        // path, each stream's memory in its own slot, each starting with an episode start.
        string single = TestVideos.Write(_directory, "one.avi", 9);
        string[] pair = [TestVideos.Write(_directory, "a.avi", 5, width: 48, height: 40), TestVideos.Write(_directory, "b.avi", 7)];
        float worst = 0;
        int rows = 0;
        foreach (string[] videos in new[] { new[] { single }, pair })
        {
            var labelled = new Dictionary<string, string[][]>();
            foreach (string backend in new[] { "cpu", "ilgpu-cpu" })
            {
                string dir = Path.Combine(_directory, $"{backend}-{videos.Length}");
                var (code, _, stderr) = await AgentAsync(["label", .. videos, "--model", model, "--out-dir", dir, "--emit", "probs,value", "--backend", backend]);
                Assert.True(code == 0, stderr);
                labelled[backend] = [.. videos.Select(v => File.ReadAllLines(Path.Combine(dir, Path.GetFileNameWithoutExtension(v) + ".jsonl")))];
            }
            for (int v = 0; v < videos.Length; v++)
            {
                string[] cpuRows = labelled["cpu"][v], deviceRows = labelled["ilgpu-cpu"][v];
                Assert.Equal(cpuRows.Length, deviceRows.Length);
                for (int i = 0; i < cpuRows.Length; i++)
                {
                    using JsonDocument cpuRow = JsonDocument.Parse(cpuRows[i]);
                    using JsonDocument deviceRow = JsonDocument.Parse(deviceRows[i]);
                    JsonElement c = cpuRow.RootElement, d = deviceRow.RootElement;
                    Assert.Equal(c.GetProperty("frame").GetInt32(), d.GetProperty("frame").GetInt32());
                    float[] cpuProbs = Floats(c.GetProperty("probs")), deviceProbs = Floats(d.GetProperty("probs"));
                    Assert.Equal(cpuProbs.Length, deviceProbs.Length);
                    for (int a = 0; a < cpuProbs.Length; a++)
                    {
                        worst = Math.Max(worst, Math.Abs(cpuProbs[a] - deviceProbs[a]));
                    }
                    worst = Math.Max(worst, Math.Abs(c.GetProperty("score").GetSingle() - d.GetProperty("score").GetSingle()));
                    worst = Math.Max(worst, Math.Abs(c.GetProperty("value").GetSingle() - d.GetProperty("value").GetSingle()));
                    string cpuLabel = c.GetProperty("label").GetString()!, deviceLabel = d.GetProperty("label").GetString()!;
                    // Only a near-tie may flip the argmax: the CPU gives the device's label (almost) the top probability.
                    Assert.True(cpuLabel == deviceLabel || cpuProbs.Max() - cpuProbs[int.Parse(deviceLabel)] <= Tolerance, $"{videos[v]} frame {i}: labels {cpuLabel} vs {deviceLabel}");
                    rows++;
                }
            }
        }
        output.WriteLine($"{cell} x{layers}{(criticMemory ? " + critic core" : "")}: {rows} rows; worst |error| on probs, score, value {worst:E2} (tolerance {Tolerance:E0})");
        Assert.Equal(9 + 5 + 7, rows);
        Assert.True(worst <= Tolerance, $"worst |error| {worst:E3}");
    }

    [Fact]
    public async Task Bench_IlgpuCpuTinyModel_ReportsItsDevice()
    {
        string model = Save(Tiny(CellKind.Lstm), "bench");
        var (code, stdout, stderr) = await AgentAsync("bench", "--model", model, "--backend", "ilgpu-cpu", "--model-only", "--frames", "6", "--streams", "2", "--json");
        Assert.True(code == 0, stderr);
        using JsonDocument json = JsonDocument.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        JsonElement root = json.RootElement;
        output.WriteLine(root.ToString());
        Assert.True(root.GetProperty("fps").GetDouble() > 0);
        Assert.Equal(2, root.GetProperty("streams").GetInt32());
        Assert.Equal(6, root.GetProperty("frames").GetInt64());
        Assert.Contains($"on ilgpu-cpu device 0 ({fixture.Device.Name})", root.GetProperty("model").GetString());
        Assert.True(root.GetProperty("stages").GetProperty("model").GetProperty("fps").GetDouble() > 0);
    }

    [Theory]
    [InlineData("cpu")]
    [InlineData("ilgpu-cpu")]
    public async Task Bench_Sequence_ReportsTheCoresThroughputOnTheDevice(string backend)
    {
        string model = Save(Tiny(CellKind.Lstm), "sequence");
        var (code, stdout, stderr) = await AgentAsync("bench", "--model", model, "--backend", backend, "--sequence", "4", "--streams", "3", "--json");
        Assert.True(code == 0, stderr);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        output.WriteLine(string.Join("\n", lines));
        Assert.StartsWith("sequence: LSTM 32→16 on ", lines[0]);
        using JsonDocument json = JsonDocument.Parse(lines[^1]);
        JsonElement root = json.RootElement;
        Assert.Equal(4, root.GetProperty("sequence").GetInt32());
        Assert.Equal(3, root.GetProperty("streams").GetInt32());
        Assert.Equal(backend == "cpu" ? "cpu" : fixture.Device.Name, root.GetProperty("device").GetString());
        Assert.True(root.GetProperty("steps_per_s").GetDouble() > 0);

        var (badCode, _, badError) = await AgentAsync("bench", "--backend", backend, "--sequence", "-2");
        Assert.Equal(1, badCode);
        Assert.Equal("error: --sequence must be a positive number of frames, not -2", badError.Trim());
    }

    [Fact]
    public async Task Run_IlgpuCpuAgainstCSharpEnvServer_PlaysTheSameEpisodesAsCpu()
    {
        string model = Save(Tiny(CellKind.Lstm, actions: 2, seed: 8), "run");
        using var server = new EnvServer(() => new SyncVectorEnv([new CueMemoryEnv(16, 16, 2), new CueMemoryEnv(16, 16, 2)], AutoresetMode.NextStep));
        server.Start(EnvAddress.Tcp("127.0.0.1", 0));
        var returns = new Dictionary<string, string>();
        foreach (string backend in new[] { "cpu", "ilgpu-cpu" })
        {
            var (code, stdout, stderr) = await AgentAsync("run", "--env", server.Address!.ToString(), "--model", model, "--episodes", "4", "--seed", "2",
                "--deterministic", "--json", "--backend", backend);
            Assert.True(code == 0, stderr);
            if (backend == "ilgpu-cpu")
            {
                Assert.Contains($"on ilgpu-cpu device 0 ({fixture.Device.Name})", stderr);
            }
            using JsonDocument json = JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]);
            returns[backend] = string.Join(", ", json.RootElement.GetProperty("episodes").EnumerateArray()
                .Select(e => $"{e.GetProperty("return").GetDouble()}/{e.GetProperty("length").GetInt32()}"));
        }
        output.WriteLine($"return/length cpu [{returns["cpu"]}], ilgpu-cpu [{returns["ilgpu-cpu"]}]");
        Assert.Equal(returns["cpu"], returns["ilgpu-cpu"]);
    }

    [Fact]
    public void AgentBrain_SnapshotRestoreAndReset_BehaveTheSameOnBothDevices()
    {
        PolicyModel model = Tiny(CellKind.Lstm, layers: 2, criticMemory: true, seed: 5);
        using var cpu = AgentBrain.FromModel(model, new AgentBrainOptions { InitialAgents = 2 });
        using var device = AgentBrain.FromModel(model, new AgentBrainOptions { InitialAgents = 2, Device = fixture.Device });
        var random = new Random(9);
        const int width = 20, height = 16;
        var pixels = new byte[width * height * 3];
        float worst = 0;

        void Tick(params AgentBrain[] brains)
        {
            foreach (int id in new[] { 7, 11 })
            {
                random.NextBytes(pixels);
                foreach (AgentBrain brain in brains)
                {
                    brain.Observe(id, new GameFrame(pixels, width, height, PixelFormat.Rgb));
                }
            }
            foreach (AgentBrain brain in brains)
            {
                brain.Step();
            }
        }

        void Compare(AgentBrain expected, AgentBrain actual, string when)
        {
            foreach (int id in new[] { 7, 11 })
            {
                AgentDecision e = expected.DecisionOf(id), a = actual.DecisionOf(id);
                float error = Math.Abs(e.Value - a.Value);
                for (int k = 0; k < e.Probabilities.Length; k++)
                {
                    error = Math.Max(error, Math.Abs(e.Probabilities.Span[k] - a.Probabilities.Span[k]));
                }
                output.WriteLine($"{when}, agent {id}: |error| {error:E2}");
                Assert.True(error <= Tolerance, $"{when}, agent {id}: |error| {error:E3} > {Tolerance:E0}");
                worst = Math.Max(worst, error);
            }
        }

        Tick(cpu, device);
        Tick(cpu, device);
        Compare(cpu, device, "after 2 ticks");

        // Memory saved on one device restores on the other: the snapshot format is the same host form everywhere.
        byte[] fromCpu = cpu.SaveMemory();
        byte[] fromDevice = device.SaveMemory();
        Tick(cpu, device);
        Compare(cpu, device, "after 3 ticks");
        cpu.RestoreMemory(fromDevice);
        device.RestoreMemory(fromCpu);
        Tick(cpu, device);
        Compare(cpu, device, "after restoring each other's snapshot");

        // An episode start zeroes the recurrent state and the frame stack alike on both devices.
        cpu.StartEpisode(7);
        device.StartEpisode(7);
        Tick(cpu, device);
        Compare(cpu, device, "after agent 7's episode start");
        output.WriteLine($"worst |error| {worst:E2} (tolerance {Tolerance:E0})");
    }

    private static float[] Floats(JsonElement array) => [.. array.EnumerateArray().Select(p => p.GetSingle())];
}
