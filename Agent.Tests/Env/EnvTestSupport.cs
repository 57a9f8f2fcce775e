using System.Diagnostics;
using System.Text;
using AgentRnn.Host.Env;

namespace AgentRnn.Tests.Env;

/// <summary>Paths and subprocess helpers shared by the env tests.</summary>
internal static class EnvTestSupport
{
    /// <summary>The repository root: the first ancestor of the test binaries that holds AgentRnn.sln.</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string EnvsDir => Path.Combine(RepoRoot, "envs");

    private static string FindRepoRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgentRnn.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no AgentRnn.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>Runs python3 with arguments to completion (killed after <paramref name="timeout"/>); returns exit code and output.</summary>
    public static (int Code, string Stdout, string Stderr) RunPython(TimeSpan timeout, params string[] args)
    {
        using var process = StartPython(args);
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            if (!process.WaitForExit(timeout))
            {
                throw new TimeoutException($"python3 {string.Join(' ', args)} did not finish within {timeout}");
            }
            process.WaitForExit();
        }
        finally
        {
            Kill(process);
        }
        lock (stdout)
        {
            return (process.ExitCode, stdout.ToString(), stderr.ToString());
        }
    }

    public static Process StartPython(params string[] args)
    {
        var info = new ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = RepoRoot,
        };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }
        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        return Process.Start(info) ?? throw new InvalidOperationException("python3 did not start");
    }

    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }

    /// <summary>A fresh temporary directory, deleted by the caller.</summary>
    public static string TempDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "agentrnn-env-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        return dir;
    }
}

/// <summary>envs/serve.py running as a subprocess; the address comes from its "listening on" line; killed on Dispose.</summary>
internal sealed class PythonEnvServer : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    public PythonEnvServer(string env, string? kwargsJson = null, int numEnvs = 1, string? unixPath = null, string autoreset = "next-step")
    {
        var args = new List<string> { "envs/serve.py", "--env", env, "--num-envs", numEnvs.ToString(), "--autoreset", autoreset };
        if (kwargsJson is not null)
        {
            args.AddRange(["--env-kwargs", kwargsJson]);
        }
        args.AddRange(unixPath is null ? ["--port", "0"] : ["--unix", unixPath]);
        _process = EnvTestSupport.StartPython([.. args]);
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (_stderr) { _stderr.AppendLine(e.Data); } } };
        _process.BeginErrorReadLine();
        try
        {
            Task<string?> line = _process.StandardOutput.ReadLineAsync();
            if (!line.Wait(TimeSpan.FromSeconds(30)) || line.Result is null || !line.Result.StartsWith("listening on ", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"serve.py did not start: {line.Status} {(line.IsCompleted ? line.Result : "")} {Stderr}");
            }
            Address = EnvAddress.Parse(line.Result["listening on ".Length..]);
        }
        catch
        {
            EnvTestSupport.Kill(_process);
            _process.Dispose();
            throw;
        }
    }

    public EnvAddress Address { get; }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public void Dispose()
    {
        EnvTestSupport.Kill(_process);
        _process.Dispose();
    }
}
