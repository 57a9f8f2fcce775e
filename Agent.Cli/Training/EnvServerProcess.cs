using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using AgentRnn.Core;
using AgentRnn.Host.Env;

namespace AgentRnn.Cli.Training;

/// <summary>
/// envs/serve.py as a child process on a free loopback port: its address from its first stdout line ("listening on
/// ADDRESS"); killed, with its children, on Dispose. A server that fails to start is one line naming why, with the
/// last of its stderr.
/// </summary>
internal sealed class EnvServerProcess : IDisposable
{
    private readonly Process _process;

    private EnvServerProcess(Process process, EnvAddress address)
    {
        _process = process;
        Address = address;
    }

    /// <summary>The address the server listens on.</summary>
    public EnvAddress Address { get; }

    public static EnvServerProcess Start(string python, string script, string env, string kwargsJson, int numEnvs, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in new[] { script, "--env", env, "--env-kwargs", kwargsJson, "--num-envs", numEnvs.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--autoreset", "same-step", "--port", "0", "--quiet" })
        {
            info.ArgumentList.Add(a);
        }
        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        Process process;
        try
        {
            process = Process.Start(info) ?? throw new AgentException($"--python {python} did not start");
        }
        catch (Win32Exception e)
        {
            throw new AgentException($"--python {python} cannot be run: {e.Message}");
        }
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stderr)
                {
                    stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        try
        {
            Task<string?> line = process.StandardOutput.ReadLineAsync();
            bool arrived = line.Wait(timeout);
            if (!arrived || line.Result is not string text || !text.StartsWith("listening on ", StringComparison.Ordinal))
            {
                process.WaitForExit(2000);
                string said;
                lock (stderr)
                {
                    said = string.Join(" ", stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(3));
                }
                throw new AgentException(arrived
                    ? $"{script} --env {env} did not start: {(said.Length > 0 ? said : "it exited without a listening line")}"
                    : $"{script} --env {env} did not say where it listens within {timeout.TotalSeconds:0} s");
            }
            var server = new EnvServerProcess(process, EnvAddress.Parse(text["listening on ".Length..]));
            return server;
        }
        catch
        {
            Kill(process);
            process.Dispose();
            throw;
        }
    }

    private static void Kill(Process process)
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

    public void Dispose()
    {
        Kill(_process);
        _process.Dispose();
    }
}
