using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Env;

/// <summary>
/// The Python bridge's own unittest modules (envs/tests/test_*.py), each in its own Debian python3 process, with numpy
/// and, where the code path differs, with numpy hidden (envs/tests/hide.py) — the runs envs/tests/run_all.py makes.
/// </summary>
public sealed class PythonBridgeTests(ITestOutputHelper output)
{
    private const string Python = "/usr/bin/python3";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);

    [Theory]
    [InlineData("test_spaces", "")]
    [InlineData("test_spaces", "numpy")]
    [InlineData("test_client", "")]
    [InlineData("test_client", "numpy")]
    [InlineData("test_gymnasium", "")]
    [InlineData("test_serve_cli", "")]
    [InlineData("test_install", "")]
    [InlineData("test_readme", "")]
    public void Unittest_Module_Passes(string module, string hidden)
    {
        Assert.True(File.Exists(Python), $"{Python} is missing: apt-get install python3 python3-numpy");
        string tests = Path.Combine(EnvTestSupport.EnvsDir, "tests");
        (int code, string text) = Run(Path.Combine(tests, "hide.py"), hidden, "-m", "unittest", "discover", "-v", "-s", tests, "-t", tests, "-p", module + ".py");

        output.WriteLine(text);
        Assert.True(code == 0, $"{module}{(hidden.Length > 0 ? " without " + hidden : "")} exited {code}:\n{text}");
        Assert.Contains("\nOK", text, StringComparison.Ordinal);
    }

    private static (int Code, string Output) Run(params string[] args)
    {
        var info = new ProcessStartInfo(Python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = EnvTestSupport.RepoRoot,
        };
        foreach (string a in args)
        {
            info.ArgumentList.Add(a);
        }
        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        using Process process = Process.Start(info) ?? throw new InvalidOperationException($"{Python} did not start");
        var text = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (text) { text.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (text) { text.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        bool finished = process.WaitForExit(Timeout);
        if (!finished)
        {
            EnvTestSupport.Kill(process);
        }
        process.WaitForExit();
        lock (text)
        {
            return (finished ? process.ExitCode : -1, finished ? text.ToString() : $"timed out after {Timeout}:\n{text}");
        }
    }
}
