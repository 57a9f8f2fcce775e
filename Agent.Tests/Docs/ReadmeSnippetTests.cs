using AgentRnn.Tests.Env;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Docs;

/// <summary>
/// Every sh and python snippet of README.md runs as written, in order, through tools/readme/run_snippets.py, with
/// `agent` the CLI these tests built. The `dotnet` lines are listed as not run here (this runs inside
/// `dotnet test`); .ci/run runs the script with them.
/// </summary>
public sealed class ReadmeSnippetTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(8);

    [Fact]
    public void Readme_EverySnippet_RunsAsWritten()
    {
        string agent = Path.Combine(AppContext.BaseDirectory, "agent.dll");
        Assert.True(File.Exists(agent), $"{agent} is missing: the tests reference Agent.Cli");

        (int code, string stdout, string stderr) = EnvTestSupport.RunPython(
            Timeout, "tools/readme/run_snippets.py", "--agent", agent, "--no-dotnet");

        output.WriteLine(stdout);
        output.WriteLine(stderr);
        string last = stdout.TrimEnd().Split('\n')[^1];
        Assert.True(code == 0, $"run_snippets.py exited {code}: {last}\n{stdout}\n{stderr}");
        Assert.StartsWith("readme snippets: ", last, StringComparison.Ordinal);
        Assert.EndsWith(" s", last, StringComparison.Ordinal);
        Assert.Contains(", ok in ", last, StringComparison.Ordinal);
        // Only the two dotnet lines may stay out here (and lines needing torch where python3-torch is absent).
        foreach (string line in stdout.Split('\n').Where(l => l.StartsWith("not run: ", StringComparison.Ordinal)))
        {
            Assert.True(line.Contains("dotnet ", StringComparison.Ordinal) || line.Contains("torch", StringComparison.Ordinal)
                || line.Contains("reads what a line not run", StringComparison.Ordinal), $"unexpected: {line}");
        }
    }
}
