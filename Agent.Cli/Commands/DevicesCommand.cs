using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using AgentRnn.Core.Compute.Ilgpu;

namespace AgentRnn.Cli;

/// <summary>
/// `agent devices [--json]`: every accelerator ILGPU finds (CUDA GPUs, OpenCL devices, ILGPU's CPU accelerator) with
/// the <c>--backend</c> name and <c>--device</c> index that select it, plus the cpu backend's one device.
/// </summary>
internal static class DevicesCommand
{
    // Device names carry '+' and quotes; keep them readable rather than \u-escaped.
    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    internal static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "End with one JSON line: {\"devices\": [{\"backend\", \"index\", \"name\", \"memory_bytes\"}, ...]}" };
        var command = new Command("devices", "List the devices --backend and --device select: the CPU and every accelerator ILGPU finds (CUDA, OpenCL, its CPU accelerator)") { json };
        command.SetAction((ParseResult r, CancellationToken ct) =>
        {
            TextWriter output = r.InvocationConfiguration.Output;
            List<IlgpuDeviceInfo> devices = [new IlgpuDeviceInfo("cpu", 0, $"{Environment.ProcessorCount} processors (the CPU kernels)", GC.GetGCMemoryInfo().TotalAvailableMemoryBytes)];
            devices.AddRange(IlgpuPlatform.List());
            if (r.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    devices = devices.Select(d => new { backend = d.Backend, index = d.Index, name = d.Name, memory_bytes = d.MemoryBytes }),
                }, JsonOptions));
            }
            else
            {
                foreach (IlgpuDeviceInfo d in devices)
                {
                    output.WriteLine($"--backend {d.Backend,-9} --device {d.Index}  {d.Name} | {d.MemoryBytes / (1024.0 * 1024 * 1024):F1} GiB");
                }
                if (!devices.Any(d => d.Backend == IlgpuPlatform.CudaBackend))
                {
                    output.WriteLine("(no CUDA device: no NVIDIA GPU or driver on this machine)");
                }
            }
            return Task.FromResult(0);
        });
        return command;
    }
}
