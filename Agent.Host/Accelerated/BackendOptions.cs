using System.CommandLine;

namespace Agent.Host.Accelerated;

/// <summary>The <c>--backend</c> and <c>--device</c> options that label, bench and run share, with one help text.</summary>
internal sealed class BackendOptions
{
    /// <summary>--backend cpu|opencl.</summary>
    public Option<string> Backend { get; } = new("--backend")
    {
        Description = "Where the model runs: cpu (the CPU kernels; needs no native runtime) or opencl (weights and " +
            "each stream's memory stay on an OpenCL device, a GPU or the CPU through PoCL; NatureCNN or MLP encoders with " +
            "LSTM or GRU cores)",
        DefaultValueFactory = _ => "cpu",
    };

    /// <summary>--device N.</summary>
    public Option<int> Device { get; } = new("--device")
    {
        Description = "Device index for --backend opencl, as 'agent devices' lists them; the cpu backend has only device 0",
        DefaultValueFactory = _ => 0,
    };

    /// <summary>Adds both options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Backend);
        command.Options.Add(Device);
    }

    /// <summary>The parsed choice; a bad name, a missing runtime or device is a one-line error before any file is opened.</summary>
    public BackendChoice Resolve(ParseResult result)
    {
        BackendChoice choice = BackendChoice.Parse(result.GetValue(Backend)!, result.GetValue(Device));
        choice.CheckDevice();
        return choice;
    }
}
