using AgentRnn.Host.Models;

namespace AgentRnn;

/// <summary>What an <see cref="AgentBrain"/>'s model takes and returns.</summary>
public sealed class BrainModelInfo
{
    internal BrainModelInfo(ModelConfig config, string fingerprint, long parameters)
    {
        Config = config;
        Fingerprint = fingerprint;
        ParameterCount = parameters;
    }

    /// <summary>The model's architecture, action space and preprocessing.</summary>
    public ModelConfig Config { get; }

    /// <summary>The action space (Discrete, MultiDiscrete or Box).</summary>
    public ActionSpec ActionSpec => Config.Action;

    /// <summary>Number of discrete actions (Discrete models); the summed block widths for MultiDiscrete; the dimensions for Box.</summary>
    public int ActionCount => Config.Action.Width;

    /// <summary>True when the model takes frames (through <see cref="AgentBrain.Observe(int, in AgentRnn.Vision.GameFrame)"/>); false for vector observations.</summary>
    public bool TakesFrames => Config.Preprocess is not null;

    /// <summary>The observation the network sees: channels (stacked frames × colour channels, or the vector length), height, width.</summary>
    public (int Channels, int Height, int Width) ObservationShape => (Config.Channels, Config.Height, Config.Width);

    /// <summary>Floats of recurrent memory per agent.</summary>
    public int MemorySize => Config.StateSize;

    /// <summary>Number of parameters.</summary>
    public long ParameterCount { get; }

    /// <summary>
    /// A hash of the architecture and every weight (hex): memory saved by one model restores only into a brain whose
    /// model has the same fingerprint.
    /// </summary>
    public string Fingerprint { get; }
}
