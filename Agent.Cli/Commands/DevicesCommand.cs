using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using AgentRnn.Core.Compute;
using AgentRnn.Core.Compute.OpenCl;

namespace AgentRnn.Cli;

/// <summary>
/// `agent devices [--json]`: lists OpenCL platforms and devices with the index <c>--device N</c> selects.
/// With no OpenCL runtime it says so in one line and exits 0 (the CPU backend needs none).
/// </summary>
internal static class DevicesCommand
{
    // Device and version strings carry '+' and quotes; keep them readable rather than \u-escaped.
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    internal static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of a table" };
        var command = new Command("devices", "List OpenCL platforms and devices (for --backend opencl --device N)") { json };
        command.SetAction((ParseResult r, CancellationToken ct) =>
        {
            TextWriter output = r.InvocationConfiguration.Output;
            IReadOnlyList<OpenClPlatformInfo> platforms;
            try
            {
                platforms = OpenClRuntime.Platforms();
            }
            catch (ComputeBackendException e)
            {
                if (r.GetValue(json))
                {
                    output.WriteLine(JsonSerializer.Serialize(new { platforms = Array.Empty<object>(), error = e.Message }, JsonOptions));
                }
                else
                {
                    output.WriteLine($"no OpenCL platforms: {e.Message}");
                }
                return Task.FromResult(0);
            }
            if (r.GetValue(json))
            {
                output.WriteLine(ToJson(platforms));
            }
            else
            {
                WriteTable(output, platforms);
            }
            return Task.FromResult(0);
        });
        return command;
    }

    private static void WriteTable(TextWriter output, IReadOnlyList<OpenClPlatformInfo> platforms)
    {
        foreach (OpenClPlatformInfo platform in platforms)
        {
            output.WriteLine($"platform {platform.Index}: {platform.Name} ({platform.Vendor}; {platform.Version})");
            if (platform.Devices.Count == 0)
            {
                output.WriteLine("  (no devices)");
            }
            foreach (OpenClDeviceInfo d in platform.Devices)
            {
                output.WriteLine($"  device {d.Index}: {d.Name} | {d.Vendor} | {d.Type} | {d.ComputeUnits} compute units | {d.GlobalMemoryBytes / (1024.0 * 1024 * 1024):F1} GiB | {d.Version}");
            }
        }
    }

    private static string ToJson(IReadOnlyList<OpenClPlatformInfo> platforms) => JsonSerializer.Serialize(new
    {
        platforms = platforms.Select(p => new
        {
            index = p.Index,
            name = p.Name,
            vendor = p.Vendor,
            version = p.Version,
            devices = p.Devices.Select(d => new
            {
                index = d.Index,
                name = d.Name,
                vendor = d.Vendor,
                type = d.Type.ToString(),
                computeUnits = d.ComputeUnits,
                globalMemoryBytes = d.GlobalMemoryBytes,
                maxWorkGroupSize = d.MaxWorkGroupSize,
                version = d.Version,
                driverVersion = d.DriverVersion,
            }),
        }),
    }, JsonOptions);
}
