using System.Text.Json;
using AgentRnn.Core.Compute.Ilgpu;
using AgentRnn.Cli;
using AgentRnn.Host.Env;
using AgentRnn.Host.Env.Samples;
using AgentRnn.Host.Models;
using AgentRnn.Memory;
using AgentRnn.Tests.Host.Label;
using Xunit.Abstractions;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Tests.Host.Backend;

/// <summary>
/// `--backend` and `--device` on label, bench and run: the ILGPU device (on ILGPU's CPU accelerator here) against the
/// CPU path end to end, and every
/// way the choice can be wrong giving one line and exit code 1.
/// </summary>
public sealed class BackendCliTests(ITestOutputHelper output) : IDisposable
{
    private const float Tolerance = 1e-4f;
    private readonly string _directory = TestVideos.Directory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<(int Code, string Stdout, string Stderr)> AgentAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await AgentCli.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string SaveModel(PolicyModel model, string name)
    {
        string path = Path.Combine(_directory, name + ".safetensors");
        model.Save(path);
        return path;
    }

    [Fact]
    public async Task Label_IlgpuTwoVideos_RowsMatchCpuWithinTolerance()
    {
        string[] videos = [TestVideos.Write(_directory, "a.avi", 10, width: 96, height: 80), TestVideos.Write(_directory, "b.avi", 14, width: 80, height: 64)];
        string model = SaveModel(PolicyModel.CreateDefault(seed: 4), "default");
        var rows = new Dictionary<string, string[][]>();
        foreach (string backend in new[] { "cpu", "ilgpu-cpu" })
        {
            string dir = Path.Combine(_directory, backend);
            var (code, _, stderr) = await AgentAsync(["label", .. videos, "--model", model, "--out-dir", dir, "--emit", "probs,value", "--backend", backend]);
            Assert.True(code == 0, stderr);
            rows[backend] = [.. videos.Select(v => File.ReadAllLines(Path.Combine(dir, Path.GetFileNameWithoutExtension(v) + ".jsonl")))];
        }

        float worst = 0;
        int ties = 0;
        for (int v = 0; v < videos.Length; v++)
        {
            Assert.Equal(rows["cpu"][v].Length, rows["ilgpu-cpu"][v].Length);
            for (int i = 0; i < rows["cpu"][v].Length; i++)
            {
                using JsonDocument cpuRow = JsonDocument.Parse(rows["cpu"][v][i]);
                using JsonDocument deviceRow = JsonDocument.Parse(rows["ilgpu-cpu"][v][i]);
                JsonElement c = cpuRow.RootElement, d = deviceRow.RootElement;
                Assert.Equal(c.GetProperty("frame").GetInt32(), d.GetProperty("frame").GetInt32());
                Assert.Equal(c.GetProperty("time").GetDouble(), d.GetProperty("time").GetDouble());
                float[] cpuProbs = Floats(c.GetProperty("probs"));
                float[] deviceProbs = Floats(d.GetProperty("probs"));
                for (int a = 0; a < cpuProbs.Length; a++)
                {
                    worst = Math.Max(worst, Math.Abs(cpuProbs[a] - deviceProbs[a]));
                }
                worst = Math.Max(worst, Math.Abs(c.GetProperty("score").GetSingle() - d.GetProperty("score").GetSingle()));
                worst = Math.Max(worst, Math.Abs(c.GetProperty("value").GetSingle() - d.GetProperty("value").GetSingle()));
                string cpuLabel = c.GetProperty("label").GetString()!;
                string deviceLabel = d.GetProperty("label").GetString()!;
                if (cpuLabel != deviceLabel)
                {
                    // Only a near-tie may flip the argmax: the CPU gives the device's label (almost) the top probability.
                    ties++;
                    Assert.True(cpuProbs.Max() - cpuProbs[int.Parse(deviceLabel)] <= Tolerance, $"{videos[v]} frame {i}: labels {cpuLabel} vs {deviceLabel}");
                }
            }
        }
        output.WriteLine($"{rows["cpu"].Sum(r => r.Length)} rows over 2 videos; worst |error| on probs, score, value {worst:E2} (tolerance {Tolerance:E0}); {ties} near-tie labels differ");
        Assert.True(worst <= Tolerance, $"worst |error| {worst:E3}");
    }

    [Fact]
    public async Task Bench_IlgpuModelOnly_JsonHasTheReportShape()
    {
        var (code, stdout, stderr) = await AgentAsync("bench", "--backend", "ilgpu-cpu", "--model-only", "--frames", "16", "--streams", "4", "--json");
        Assert.True(code == 0, stderr);
        using JsonDocument json = JsonDocument.Parse(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        JsonElement root = json.RootElement;
        output.WriteLine(root.ToString());
        Assert.True(root.GetProperty("fps").GetDouble() > 0);
        Assert.Equal(4, root.GetProperty("streams").GetInt32());
        Assert.Equal(16, root.GetProperty("frames").GetInt64());
        Assert.Contains($"on ilgpu-cpu device 0 ({IlgpuCpuName})", root.GetProperty("model").GetString());
        Assert.Equal(["source", "model", "sink"], root.GetProperty("stages").EnumerateObject().Select(p => p.Name));
        Assert.True(root.GetProperty("stages").GetProperty("model").GetProperty("fps").GetDouble() > 0);
        Assert.True(root.GetProperty("latency_ms").GetProperty("p99").GetDouble() >= root.GetProperty("latency_ms").GetProperty("p50").GetDouble());
    }

    [Fact]
    public async Task Run_IlgpuAgainstCSharpEnvServer_PlaysTheSameEpisodesAsCpu()
    {
        using var server = new EnvServer(() => new SyncVectorEnv([new CueMemoryEnv(16, 16, 2), new CueMemoryEnv(16, 16, 2)], AutoresetMode.NextStep));
        server.Start(EnvAddress.Tcp("127.0.0.1", 0));
        var returns = new Dictionary<string, double[]>();
        foreach (string backend in new[] { "cpu", "ilgpu-cpu" })
        {
            var (code, stdout, stderr) = await AgentAsync("run", "--env", server.Address!.ToString(), "--episodes", "6", "--seed", "2",
                "--deterministic", "--json", "--backend", backend);
            Assert.True(code == 0, stderr);
            if (backend == "ilgpu-cpu")
            {
                Assert.Contains($"on ilgpu-cpu device 0 ({IlgpuCpuName})", stderr);
            }
            using JsonDocument json = JsonDocument.Parse(stdout.TrimEnd().Split('\n')[^1]);
            returns[backend] = [.. json.RootElement.GetProperty("episodes").EnumerateArray().Select(e => e.GetProperty("return").GetDouble())];
        }
        output.WriteLine($"returns cpu [{string.Join(", ", returns["cpu"])}], ilgpu-cpu [{string.Join(", ", returns["ilgpu-cpu"])}]");
        Assert.Equal(6, returns["ilgpu-cpu"].Length);
        Assert.Equal(returns["cpu"], returns["ilgpu-cpu"]);
    }

    public static TheoryData<string[], string> WrongChoices => new()
    {
        { ["--backend", "foo"], "error: unknown --backend 'foo'; use one of: cpu, cuda, opencl, ilgpu-cpu" },
        { ["--backend", "ilgpu-cpu", "--device", "99"], "error: --device 99 does not exist: the ilgpu-cpu backend has 1 device(s), 0..0" },
        { ["--backend", "cpu", "--device", "1"], "error: --device 1 does not exist: the cpu backend has one device, 0" },
        { ["--backend", "ilgpu-cpu", "--device", "-1"], "error: --device must be 0 or more, not -1" },
    };

    [Theory]
    [MemberData(nameof(WrongChoices))]
    public async Task LabelBenchRun_WrongBackendOrDevice_OneLineExitCode1(string[] choice, string expected)
    {
        string video = TestVideos.Write(_directory, "clip.avi", 2);
        string[][] commands =
        [
            ["label", video, "--model", SaveModel(PolicyModel.CreateDefault(seed: 1), "m")],
            ["bench", "--model-only", "--frames", "2"],
            ["run", "--env", "tcp://127.0.0.1:9", "--episodes", "1"],
        ];
        foreach (string[] command in commands)
        {
            var (code, stdout, stderr) = await AgentAsync([.. command, .. choice]);
            output.WriteLine($"{command[0]}: {stderr.Trim()}");
            Assert.Equal(1, code);
            string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith(expected, line);
            Assert.Equal("", stdout);
        }
    }

    [Theory]
    [InlineData("label")]
    [InlineData("bench")]
    [InlineData("run")]
    public async Task Help_ExplainsBackendAndDevice(string command)
    {
        var (code, stdout, _) = await AgentAsync(command, "--help");
        Assert.Equal(0, code);
        Assert.Contains("--backend", stdout);
        Assert.Contains("cpu (the CPU kernels; needs no native runtime)", stdout);
        Assert.Contains("cuda (an NVIDIA GPU", stdout);
        Assert.Contains("ilgpu-cpu", stdout);
        Assert.Contains("--device", stdout);
        Assert.Contains("as 'agent devices' lists them", stdout);
    }

    [Fact]
    public async Task Label_IlgpuWithRnnModel_OneLineNamingTheCore()
    {
        string video = TestVideos.Write(_directory, "clip.avi", 2);
        var config = ModelConfig.ForFrames(new PreprocessConfig(36, 36, true, 1, PreprocessConfig.DefaultScale), ActionSpec.Discrete(3), cell: CellKind.Rnn, hiddenSize: 8);
        string model = SaveModel(PolicyModel.CreateRandom(config, seed: 1), "rnn");
        string rows = Path.Combine(_directory, "rows.jsonl");

        var (code, _, stderr) = await AgentAsync("label", video, "--model", model, "--out", rows, "--backend", "ilgpu-cpu");

        output.WriteLine(stderr);
        Assert.Equal(1, code);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("this model has a vanilla RNN core: use --backend cpu", line);
        Assert.False(File.Exists(rows));
    }

    [Fact]
    public async Task Bench_Cuda_RunsOnAnNvidiaGpuOrFailsInOneLine()
    {
        bool hasCuda = IlgpuPlatform.List().Any(d => d.Backend == IlgpuPlatform.CudaBackend);
        var (code, stdout, stderr) = await AgentAsync("bench", "--backend", "cuda", "--model-only", "--frames", "4", "--json");
        output.WriteLine(stderr);
        if (hasCuda)
        {
            Assert.True(code == 0, stderr);
            return;
        }
        Assert.Equal(1, code);
        Assert.Equal("error: --backend cuda: no NVIDIA GPU found (no CUDA driver, libcuda.so, or it sees no device); 'agent devices' lists what this machine has", stderr.Trim());
        Assert.Equal("", stdout);
    }

    private static string IlgpuCpuName => IlgpuPlatform.List().First(d => d.Backend == IlgpuPlatform.CpuBackend).Name;

    private static float[] Floats(JsonElement array) => [.. array.EnumerateArray().Select(p => p.GetSingle())];
}
