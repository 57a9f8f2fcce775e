using AgentRnn.Core;
using AgentRnn.Core.Compute.Network;
using AgentRnn.Core.Kernels;
using AgentRnn.Host.Models;
using AgentRnn.Memory;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Host.Accelerated;

/// <summary>
/// Maps a loaded <see cref="PolicyModel"/> (our layout's tensor names) to the <see cref="PolicyNetworkSpec"/> a
/// <see cref="DevicePolicyNetwork"/> uploads. Output row: actor (Action.Width) then value (1); state per stream: the
/// actor core then the critic core, each per layer h then (LSTM) c — PolicyModel's own state layout.
/// </summary>
/// <remarks>
/// The device runs NatureCNN and MLP encoders with LSTM or GRU cores; IMPALA's residual blocks and the vanilla RNN
/// have no device kernels and stay on the CPU backend. The spec shares the model's tensors (no copy).
/// </remarks>
public static class PolicyNetworkSpecAdapter
{
    /// <summary>True when <paramref name="model"/>'s encoder and core have device kernels.</summary>
    public static bool RunsOnDevice(this PolicyModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Config.Encoder != EncoderKind.Impala && model.Config.Cell != CellKind.Rnn;
    }

    /// <summary>
    /// The device network's spec for <paramref name="model"/>. Throws an <see cref="AgentException"/> (one line naming
    /// what has no device kernel) for an IMPALA encoder or a vanilla RNN core.
    /// </summary>
    public static PolicyNetworkSpec ToNetworkSpec(this PolicyModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        ModelConfig config = model.Config;
        if (!model.RunsOnDevice())
        {
            string what = config.Encoder == EncoderKind.Impala
                ? config.Cell == CellKind.Rnn ? "an IMPALA encoder and a vanilla RNN core" : "an IMPALA encoder"
                : "a vanilla RNN core";
            throw new AgentException(
                $"the accelerator backend runs NatureCNN or MLP encoders with LSTM or GRU cores; this model has {what}: use --backend cpu");
        }
        IReadOnlyDictionary<string, Tensor> p = model.Parameters;
        LinearLayerSpec Linear(string name, Activation activation = Activation.None) => new(p[name + ".weight"], p[name + ".bias"], activation);
        RecurrentLayerSpec[] Core(string prefix) => [.. Enumerable.Range(0, config.Layers).Select(k => new RecurrentLayerSpec(
            p[$"{prefix}.weight_ih_l{k}"], p[$"{prefix}.weight_hh_l{k}"], p[$"{prefix}.bias_ih_l{k}"], p[$"{prefix}.bias_hh_l{k}"]))];
        RecurrentCellKind cell = config.Cell == CellKind.Lstm ? RecurrentCellKind.Lstm : RecurrentCellKind.Gru;
        bool cnn = config.Encoder == EncoderKind.NatureCnn;
        // CleanRL's shape is one core feeding both heads; SB3's RecurrentPPO gives the critic its own core.
        PolicyBranchSpec[] branches = config.CriticMemory
            ? [new(cell, Core("memory"), [Linear("actor")]), new(cell, Core("critic_memory"), [Linear("critic")])]
            : [new(cell, Core("memory"), [Linear("actor"), Linear("critic")])];
        return new PolicyNetworkSpec
        {
            Input = (config.Channels, config.Height, config.Width),
            FrameScale = config.Preprocess?.Scale ?? PreprocessConfig.DefaultScale,
            Convolutions = cnn
                ? [new(p["encoder.conv1.weight"], p["encoder.conv1.bias"], 4), new(p["encoder.conv2.weight"], p["encoder.conv2.bias"], 2), new(p["encoder.conv3.weight"], p["encoder.conv3.bias"], 1)]
                : [],
            Dense = cnn
                ? [Linear("encoder.linear", Activation.ReLU)]
                : [.. Enumerable.Range(0, config.MlpLayers.Count).Select(i => Linear($"encoder.fc{i}", config.MlpActivation))],
            Branches = branches,
        };
    }
}
