using System.CommandLine;
using System.Text.Json;
using AgentRnn.Cli;
using AgentRnn.Core.Compute;
using AgentRnn.Core.Compute.Ilgpu;

namespace AgentRnn.Tests.Compute;

public sealed class DevicesCommandTests
{
    [Fact]
    public async Task Devices_Json_LastLineListsTheCpuAndIlgpuCpuAcceleratorByBackendName()
    {
        (int code, string stdout) = await RunAsync("devices", "--json");
        Assert.Equal(0, code);
        string last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        using JsonDocument json = JsonDocument.Parse(last);
        JsonElement[] devices = [.. json.RootElement.GetProperty("devices").EnumerateArray()];
        Assert.Equal("cpu", devices[0].GetProperty("backend").GetString());
        JsonElement ilgpu = Assert.Single(devices, d => d.GetProperty("backend").GetString() == IlgpuPlatform.CpuBackend);
        Assert.Equal(0, ilgpu.GetProperty("index").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(ilgpu.GetProperty("name").GetString()));
        Assert.True(ilgpu.GetProperty("memory_bytes").GetInt64() > 0);
        // Every backend listed is one --backend takes.
        Assert.All(devices, d => ComputeBackend.Parse(d.GetProperty("backend").GetString()!));
        Assert.Equal(IlgpuPlatform.List().Count + 1, devices.Length);
    }

    [Fact]
    public async Task Devices_Table_NamesEveryDeviceWithItsBackendAndIndex()
    {
        (int code, string stdout) = await RunAsync("devices");
        Assert.Equal(0, code);
        Assert.Contains("--backend cpu", stdout);
        foreach (IlgpuDeviceInfo d in IlgpuPlatform.List())
        {
            Assert.Contains($"--backend {d.Backend,-9} --device {d.Index}  {d.Name}", stdout);
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
