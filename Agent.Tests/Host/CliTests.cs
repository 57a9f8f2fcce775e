using AgentRnn.Cli;

namespace AgentRnn.Tests.Host;

public class CliTests
{
    [Fact]
    public async Task UnknownFlag_PrintsOneLine_ExitsWithUsageError()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = await AgentCli.RunAsync(["--no-such-flag"], stdout, stderr);
        Assert.Equal(AgentCli.UsageError, code);
        string[] lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Contains("--no-such-flag", lines[0]);
    }
}
