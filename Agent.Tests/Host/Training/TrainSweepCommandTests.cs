using System.Globalization;
using System.Text.RegularExpressions;
using AgentRnn.Cli;
using AgentRnn.Core.Recurrent;
using AgentRnn.Host.Models;
using AgentRnn.Tests.Env;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Training;

/// <summary>
/// `agent train sweep`'s plumbing with tiny budgets (16 env steps a run, so no learning is asserted): a server per
/// delay, a model per cell, delay and seed, one CSV row per run, the markdown table and the PNG.
/// </summary>
public sealed class TrainSweepCommandTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("agentrnn-sweep-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Serve => Path.Combine(EnvTestSupport.RepoRoot, "envs", "serve.py");

    private async Task<(int Code, string Stdout, string Stderr)> Sweep(params string[] extra)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await AgentCli.RunAsync(["train", "sweep", "--out-dir", _dir, "--serve", Serve, "--total-steps", "16", "--num-envs", "2",
            "--num-steps", "8", "--num-minibatches", "1", "--episodes", "4", .. extra], stdout, stderr);
        output.WriteLine(stderr.ToString());
        output.WriteLine(stdout.ToString());
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Sweep_TwoCellsTwoDelaysTwoSeeds_WritesEveryRunTheTableAndThePlot()
    {
        (int code, string stdout, _) = await Sweep("--delays", "0,3", "--cells", "lstm,rnn", "--seeds", "2");

        Assert.Equal(0, code);
        Assert.Contains("(8 runs)", stdout);
        string[] lines = File.ReadAllLines(Path.Combine(_dir, "sweep.csv"));
        Assert.Equal("cell,delay,seed,env_steps,last_training_return,deterministic_return,episodes,train_seconds,seconds", lines[0]);
        string[][] rows = lines.Skip(1).Select(l => l.Split(',')).ToArray();
        Assert.Equal(8, rows.Length);
        var runs = rows.Select(r => (r[0], int.Parse(r[1], CultureInfo.InvariantCulture), int.Parse(r[2], CultureInfo.InvariantCulture))).ToHashSet();
        foreach (string cell in new[] { "lstm", "rnn" })
        {
            foreach (int delay in new[] { 0, 3 })
            {
                for (int seed = 1; seed <= 2; seed++)
                {
                    Assert.Contains((cell, delay, seed), runs);
                    Assert.True(File.Exists(Path.Combine(_dir, "models", $"{cell}-delay{delay}-seed{seed}.safetensors")));
                }
            }
        }
        foreach (string[] r in rows)
        {
            Assert.Equal("16", r[3]);
            double greedy = double.Parse(r[5], CultureInfo.InvariantCulture);
            Assert.InRange(greedy, -1, 1);
            Assert.True(int.Parse(r[6], CultureInfo.InvariantCulture) >= 4, $"{r[6]} greedy episodes < 4");
        }
        // Every model the sweep saved is a vector model of its cell that `agent run --model` loads.
        Assert.Equal(CellKind.Rnn, PolicyModel.Load(Path.Combine(_dir, "models", "rnn-delay3-seed2.safetensors")).Config.Cell);

        string[] md = File.ReadAllLines(Path.Combine(_dir, "sweep.md"));
        Assert.Contains("| cue delay | lstm | rnn |", md);
        Assert.Single(md, l => l.StartsWith("| 0 |", StringComparison.Ordinal));
        Assert.Single(md, l => l.StartsWith("| 3 |", StringComparison.Ordinal));
        Assert.All(md.Where(l => l.StartsWith("| 0 |", StringComparison.Ordinal) || l.StartsWith("| 3 |", StringComparison.Ordinal)),
            l => Assert.Equal(2, Regex.Count(l, @" -?\d\.\d\d ± \d\.\d\d \[-?\d\.\d\d, -?\d\.\d\d\] [0-2]/2")));
        Assert.Contains(md, l => l.StartsWith("Made by `agent train sweep", StringComparison.Ordinal));

        byte[] png = File.ReadAllBytes(Path.Combine(_dir, "sweep.png"));
        Assert.True(png.Length > 10_000, $"the plot is {png.Length} bytes");
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        Assert.Empty(Directory.GetFiles(_dir, "*.partial", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("--cells", "lstm,lru", "--cells: 'lru' is not lstm, gru or rnn")]
    [InlineData("--delays", "1,x", "--delays: 'x' is not a delay")]
    [InlineData("--delays", "2,2", "--delays names a value twice")]
    public async Task Sweep_BadList_OneLineNamingTheOptionAndNoRun(string option, string value, string expected)
    {
        (int code, _, string stderr) = await Sweep(option, value);

        Assert.NotEqual(0, code);
        Assert.Contains(expected, stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.False(File.Exists(Path.Combine(_dir, "sweep.csv")));
    }
}
