using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using AgentRnn.Core.Compute.OpenCl;
using AgentRnn.Cli;

namespace AgentRnn.Tests.Compute;

public sealed class DevicesCommandTests
{
    [Fact]
    public async Task Devices_Json_LastLineListsPlatformsAndDevices()
    {
        (int code, string stdout) = await RunAsync("devices", "--json");
        Assert.Equal(0, code);
        string last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        using JsonDocument json = JsonDocument.Parse(last);
        JsonElement device = json.RootElement.GetProperty("platforms")[0].GetProperty("devices")[0];
        Assert.Equal(0, device.GetProperty("index").GetInt32());
        Assert.Equal(OpenClRuntime.Devices()[0].Name, device.GetProperty("name").GetString());
        Assert.True(device.GetProperty("globalMemoryBytes").GetInt64() > 0);
    }

    [Fact]
    public async Task Devices_Table_NamesEveryDeviceWithItsIndex()
    {
        (int code, string stdout) = await RunAsync("devices");
        Assert.Equal(0, code);
        foreach (OpenClDeviceInfo d in OpenClRuntime.Devices())
        {
            Assert.Contains($"device {d.Index}: {d.Name}", stdout);
        }
    }

    [Fact]
    public async Task Devices_NoOpenClPlatforms_SaysSoInOneLineAndExitsZero()
    {
        // The ICD loader reads OCL_ICD_VENDORS once per process, so an empty vendor directory needs a child process.
        string empty = Directory.CreateTempSubdirectory("agent-no-icd-").FullName;
        try
        {
            var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "agent.dll"), "devices"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment["OCL_ICD_VENDORS"] = empty;
            using Process process = Process.Start(start)!;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            Task<string> stderr = process.StandardError.ReadToEndAsync(timeout.Token);
            string stdout = await process.StandardOutput.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            Assert.Equal(0, process.ExitCode);
            Assert.Equal($"no OpenCL platforms: {OpenClRuntime.NoRuntimeMessage}", stdout.Trim());
            Assert.Equal("", await stderr);
        }
        finally
        {
            Directory.Delete(empty);
        }
    }

    /// <summary>Runs `devices` on a root holding only that command, as AgentCli would.</summary>
    private static async Task<(int Code, string Stdout)> RunAsync(params string[] args)
    {
        var stdout = new StringWriter();
        var root = new RootCommand { DevicesCommand.Create() };
        int code = await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = stdout, Error = new StringWriter(), EnableDefaultExceptionHandler = false });
        return (code, stdout.ToString());
    }
}
