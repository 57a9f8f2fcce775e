using Agent.Core;
using Agent.Core.Compute.Network;
using Agent.Core.Kernels;
using Agent.Host.Models;
using Agent.Memory;

namespace Agent.Tests.Compute;

/// <summary>
/// Maps a loaded <see cref="PolicyModel"/> (our layout's tensor names) to a <see cref="PolicyNetworkSpec"/>. Output row:
/// actor (Action.Width) then value (1); state per stream: actor core then critic core — PolicyModel's own layouts.
/// Proposed for Agent.Host/Models as PolicyModel.ToNetworkSpec(); the device runs NatureCNN and MLP encoders with
/// LSTM or GRU cores (IMPALA's residual blocks and the vanilla RNN stay on the CPU path).
/// </summary>
internal static class PolicySpecAdapter
{
    public static PolicyNetworkSpec FromModel(PolicyModel model)
    {
        ModelConfig config = model.Config;
        IReadOnlyDictionary<string, Tensor> p = model.Parameters;
        if (config.Encoder == EncoderKind.Impala || config.Cell == CellKind.Rnn)
        {
            throw new AgentException($"the device network runs NatureCNN or MLP encoders with LSTM or GRU cores, not {config.Encoder} with {config.Cell}");
        }
        LinearLayerSpec Linear(string name, Activation activation = Activation.None) => new(p[name + ".weight"], p[name + ".bias"], activation);
        RecurrentLayerSpec[] Core(string prefix) => [.. Enumerable.Range(0, config.Layers).Select(k => new RecurrentLayerSpec(
            p[$"{prefix}.weight_ih_l{k}"], p[$"{prefix}.weight_hh_l{k}"], p[$"{prefix}.bias_ih_l{k}"], p[$"{prefix}.bias_hh_l{k}"]))];
        RecurrentCellKind cell = config.Cell == CellKind.Lstm ? RecurrentCellKind.Lstm : RecurrentCellKind.Gru;
        bool cnn = config.Encoder == EncoderKind.NatureCnn;
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
