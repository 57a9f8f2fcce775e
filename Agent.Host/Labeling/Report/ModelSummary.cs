using System.Globalization;
using AgentRnn.Host.Models;

namespace AgentRnn.Host.Labeling.Report;

/// <summary>A model in one line for a report's header: file, layout, encoder, memory, actions and parameter count.</summary>
internal static class ModelSummary
{
    /// <summary>For example "agent.safetensors: cleanrl, nature_cnn 4×84×84 → lstm 128, 6 actions, 1,234,567 parameters".</summary>
    public static string Describe(string path, PolicyModel model)
    {
        ModelConfig c = model.Config;
        string input = c.Encoder == EncoderKind.Mlp ? c.Channels.ToString(CultureInfo.InvariantCulture) : $"{c.Channels}×{c.Height}×{c.Width}";
        string actions = c.Action.Kind switch
        {
            ActionKind.Discrete => $"{c.Action.Width} actions",
            ActionKind.MultiDiscrete => $"multi-discrete [{string.Join(", ", c.Action.Sizes)}]",
            _ => $"{c.Action.Width} continuous dimensions",
        };
        return string.Create(CultureInfo.InvariantCulture,
            $"{Path.GetFileName(path)}: {ModelConfig.LayoutName(c.Layout)}, {ModelConfig.EncoderName(c.Encoder)} {input} → " +
            $"{ModelConfig.CellName(c.Cell)} {c.HiddenSize}, {actions}, {model.ParameterCount:N0} parameters");
    }
}
