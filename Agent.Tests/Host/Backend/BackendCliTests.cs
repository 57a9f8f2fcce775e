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
