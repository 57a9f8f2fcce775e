#:project ../../Agent.Host/Agent.Host.csproj
#:property Nullable=enable
#:property GenerateDocumentationFile=false
#:property PublishAot=false

// Measures env-step throughput and the protocol's own overhead per env-step (envs/PROTOCOL.md).
//
//   dotnet run -c Release tools/env/bench_env.cs -- [--steps 2000] [--envs 1,16] [--python]
//
// For each N: CueMemory (84×84×3 uint8 frames, Discrete(2)) stepped in-process (SyncVectorEnv), then the same vector
// env served by a C# EnvServer and stepped by SocketVectorEnv over TCP loopback and over a Unix socket; with --python,
// also served by envs/serve.py (its own Python CueMemory). Overhead per env-step = (socket − in-process) time per
// batched step ÷ N. Constant actions, no model: this measures the env path only.

using System.Diagnostics;
using System.Globalization;
using AgentRnn.Host.Env;
using AgentRnn.Host.Env.Samples;

int steps = 2000;
int[] counts = [1, 16];
bool python = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--steps": steps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--envs": counts = args[++i].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray(); break;
        case "--python": python = true; break;
        default: throw new ArgumentException($"unknown argument {args[i]}");
    }
}

string root = Environment.CurrentDirectory;
while (!File.Exists(Path.Combine(root, "AgentRnn.sln")))
{
    root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("run from inside the repository");
}
Console.WriteLine($"steps per measurement: {steps}; frames 84x84x3 uint8; {Environment.ProcessorCount} cores");

foreach (int n in counts)
{
    SyncVectorEnv Make() => new(Enumerable.Range(0, n).Select(_ => (IEnv)new CueMemoryEnv()).ToArray());
    double inProcess = Measure(Make(), steps);
    Report(n, "in-process", inProcess, inProcess);

    using (var server = new EnvServer(Make))
    {
        EnvAddress address = server.Start(EnvAddress.Tcp("127.0.0.1", 0));
        using var env = SocketVectorEnv.Connect(address, TimeSpan.FromSeconds(30));
        Report(n, "C# server, tcp", Measure(env, steps), inProcess);
    }
    string socketPath = Path.Combine(Path.GetTempPath(), $"bench-env-{Environment.ProcessId}.sock");
    using (var server = new EnvServer(Make))
    {
        EnvAddress address = server.Start(EnvAddress.Unix(socketPath));
        using var env = SocketVectorEnv.Connect(address, TimeSpan.FromSeconds(30));
        Report(n, "C# server, unix", Measure(env, steps), inProcess);
    }
    if (python)
    {
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, WorkingDirectory = root, UseShellExecute = false };
        foreach (string a in new[] { "envs/serve.py", "--env", "samples.cue_memory:make", "--num-envs", n.ToString(CultureInfo.InvariantCulture), "--port", "0", "--quiet" })
        {
            info.ArgumentList.Add(a);
        }
        using Process process = Process.Start(info)!;
        try
        {
            string line = process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("serve.py did not start");
            using var env = SocketVectorEnv.Connect(EnvAddress.Parse(line["listening on ".Length..]), TimeSpan.FromSeconds(30));
            Report(n, "serve.py, tcp", Measure(env, Math.Max(200, steps / 4)), inProcess);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }
}

static double Measure(IVectorEnv env, int steps)
{
    using (env)
    {
        var result = new VectorStep(env.Spec);
        var actions = new SpaceBatch(env.Spec.ActionSpace, env.Spec.NumEnvs);
        env.Reset(0, [], null, result);
        for (int i = 0; i < Math.Min(200, steps); i++)
        {
            env.Step(actions, result);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < steps; i++)
        {
            env.Step(actions, result);
        }
        double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        long perStep = (GC.GetAllocatedBytesForCurrentThread() - allocated) / steps;
        if (perStep > 0)
        {
            Console.WriteLine($"  note: the stepping thread allocated {perStep} bytes per step");
        }
        return seconds / steps;
    }
}

static void Report(int n, string what, double secondsPerStep, double inProcess)
{
    double overheadUs = (secondsPerStep - inProcess) / n * 1e6;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"N={n,2}  {what,-16} {1 / secondsPerStep * n,10:0} env-steps/s  {secondsPerStep * 1e6,9:0.0} us/batch  protocol overhead {overheadUs,7:0.0} us/env-step"));
}
