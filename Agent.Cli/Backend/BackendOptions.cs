using System.CommandLine;
using AgentRnn.Core;
using AgentRnn.Core.Compute.Cpu;
using AgentRnn.Core.Kernels;
using AgentRnn.Host.Models;

namespace AgentRnn.Cli.Backend;

/// <summary>The <c>--backend</c>, <c>--device</c> and <c>--threads</c> options that label, bench and run share, with one help text.</summary>
internal sealed class BackendOptions
{
    /// <summary>--backend cpu|cuda|opencl|ilgpu-cpu.</summary>
    public Option<string> Backend { get; } = new("--backend")
    {
        Description = "Where the model runs: cpu (the CPU kernels; needs no native runtime), or through ILGPU, with the " +
            "weights and each stream's memory on the device: cuda (an NVIDIA GPU; needs only the driver), opencl (an " +
            "OpenCL GPU) or ilgpu-cpu (ILGPU's CPU accelerator, which emulates GPU threads: for tests, slow)",
        DefaultValueFactory = _ => "cpu",
    };

    /// <summary>--device N.</summary>
    public Option<int> Device { get; } = new("--device")
    {
        Description = "Device index within the --backend, as 'agent devices' lists them; the cpu backend has only device 0",
        DefaultValueFactory = _ => 0,
    };

    /// <summary>--threads N; 0 chooses.</summary>
    public Option<int> Threads { get; } = new("--threads")
    {
        Description = "CPU threads for the model's kernels (cpu backend), 1 to the processor count; 0 chooses: 1 when the " +
            "frames come from a video decoder (label, bench --source FILE: the decoder's threads keep the cores busy, and one " +
            "thread runs the model many times faster than 720p decodes), otherwise every processor",
        DefaultValueFactory = _ => 0,
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Backend);
        command.Options.Add(Device);
        command.Options.Add(Threads);
    }

    /// <summary>
    /// The CPU settings for this command's model: --threads, or the default for a pipeline that does or does not
    /// <paramref name="decodesVideo"/>. They belong to the model the command builds (<see cref="PolicyModel.CpuOptions"/>),
    /// not to the process, so commands running side by side in one process (hosts, the tests) keep their own. A count
    /// outside 0..cores is a one-line error.
    /// </summary>
    public CpuDeviceOptions Cpu(ParseResult result, bool decodesVideo)
    {
        int requested = result.GetValue(Threads);
        int available = KernelParallelism.Available;
        if (requested < 0 || requested > available)
        {
            throw new AgentException($"--threads must be between 1 and {available} (this machine's processors), or 0 to choose; not {requested}");
        }
        return new CpuDeviceOptions { Threads = requested > 0 ? requested : decodesVideo ? 1 : available };
    }

    /// <summary>The parsed choice; a bad name, a missing runtime or device is a one-line error before any file is opened.</summary>
    public BackendChoice Resolve(ParseResult result)
    {
        BackendChoice choice = BackendChoice.Parse(result.GetValue(Backend)!, result.GetValue(Device));
        choice.CheckDevice();
        return choice;
    }
}
