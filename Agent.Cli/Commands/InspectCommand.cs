using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentRnn.Core;
using AgentRnn.Core.SafeTensors;
using AgentRnn.Host.Models;

namespace AgentRnn.Cli;

/// <summary>`agent inspect MODEL [--json]`: loads a checkpoint and prints its layout, architecture, parameter count and preprocessing.</summary>
internal static class InspectCommand
{
    internal static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "Model file (.safetensors): ours, CleanRL ppo_atari_lstm or SB3 RecurrentPPO CnnLstmPolicy" };
        var json = new Option<bool>("--json") { Description = "End stdout with one JSON object: path, layout, config (agent.config), parameters, state_size, dtypes" };
        var height = new Option<int?>("--height") { Description = "Frame height the encoder takes (with --width; default from the first linear layer, 84 for 3136)" };
        var width = new Option<int?>("--width") { Description = "Frame width the encoder takes (with --height)" };
        var rgb = new Option<bool>("--rgb") { Description = "Frames are RGB (3 channels per stacked frame), not gray" };
        var scale = new Option<float?>("--scale") { Description = "uint8 → float factor (default 1/255)" };
        var actionSizes = new Option<string?>("--action-sizes") { Description = "nvec of a MultiDiscrete action space, e.g. 3,2 (CleanRL and SB3 checkpoints)" };
        var command = new Command("inspect", "Print a model's detected layout, architecture, parameter count and preprocessing")
        {
            model,
            json,
            height,
            width,
            rgb,
            scale,
            actionSizes,
        };
        command.SetAction((ParseResult result, CancellationToken cancellationToken) =>
        {
            if (result.GetValue(height).HasValue != result.GetValue(width).HasValue)
            {
                throw new AgentException("--height and --width go together");
            }
            var options = new ModelLoadOptions
            {
                Height = result.GetValue(height),
                Width = result.GetValue(width),
                Grayscale = result.GetValue(rgb) ? false : null,
                Scale = result.GetValue(scale),
                ActionSizes = ParseSizes(result.GetValue(actionSizes)),
            };
            string path = result.GetValue(model)!;
            InputFiles.Check(path, "model");
            PolicyModel loaded = PolicyModel.Load(path, options);
            string[] dtypes;
            using (SafeTensorsFile file = SafeTensorsFile.Open(path))
            {
                dtypes = file.Tensors.Select(t => t.DType).Distinct().Order(StringComparer.Ordinal).ToArray();
            }
            TextWriter output = result.InvocationConfiguration.Output;
            output.WriteLine(result.GetValue(json) ? ToJson(path, loaded, dtypes) : ToText(path, loaded, dtypes));
            return Task.FromResult(0);
        });
        return command;
    }

    internal static int[]? ParseSizes(string? text)
    {
        if (text is null)
        {
            return null;
        }
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var sizes = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out sizes[i]) || sizes[i] <= 0)
            {
                throw new AgentException($"--action-sizes '{text}': '{parts[i]}' is not a positive integer");
            }
        }
        return sizes;
    }

    internal static string ToJson(string path, PolicyModel model, string[] dtypes)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("path", path);
            writer.WriteString("layout", ModelConfig.LayoutName(model.Config.Layout));
            writer.WritePropertyName("config");
            model.Config.WriteJson(writer);
            writer.WriteNumber("parameters", model.ParameterCount);
            writer.WriteNumber("state_size", model.StateSize);
            writer.WriteStartArray("dtypes");
            foreach (string d in dtypes)
            {
                writer.WriteStringValue(d);
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    internal static string ToText(string path, PolicyModel model, string[] dtypes)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        ModelConfig config = model.Config;
        string layout = config.Layout switch
        {
            ModelLayout.CleanRl => "cleanrl (CleanRL ppo_atari_lstm Agent)",
            ModelLayout.Sb3RecurrentPpo => "sb3 (SB3-contrib RecurrentPPO CnnLstmPolicy)",
            _ => "ours (agent.config)",
        };
        string encoder = config.Encoder switch
        {
            EncoderKind.Mlp => $"mlp {config.Channels} -> [{string.Join(", ", config.MlpLayers)}] {(config.MlpActivation == AgentRnn.Core.Kernels.Activation.ReLU ? "relu" : "tanh")} -> {config.EncoderOutputSize}",
            EncoderKind.Impala => $"impala {config.Channels}x{config.Height}x{config.Width}, stages [{string.Join(", ", config.ImpalaChannels)}] -> {config.FeatureSize}",
            _ => $"nature_cnn {config.Channels}x{config.Height}x{config.Width} -> conv 32/64/64 -> {config.FeatureSize}",
        };
        string cell = ModelConfig.CellName(config.Cell);
        string memory = $"{cell} {config.EncoderOutputSize} -> {config.HiddenSize}, {config.Layers} layer{(config.Layers == 1 ? "" : "s")}";
        string actor = config.Action.Kind switch
        {
            ActionKind.Discrete => $"categorical, {config.Action.Width} actions",
            ActionKind.MultiDiscrete => $"multi-discrete [{string.Join(", ", config.Action.Sizes)}]",
            _ => $"gaussian, {config.Action.Width} dimensions, state-independent log_std",
        };
        string critic = config.CriticMemory ? $"value from its own {cell} ({config.HiddenSize})" : "value from the actor's memory";
        string preprocess = config.Preprocess is { } p
            ? $"{p.Height}x{p.Width} {(p.Grayscale ? GrayText(p.Gray) : "rgb")}, INTER_AREA, frame stack {p.FrameStack}, scale {ModelConfig.FormatScale(p.Scale)}"
            : "none (vector observations, fed as floats)";
        return string.Join(
            Environment.NewLine,
            $"model:       {path}",
            $"layout:      {layout}",
            $"encoder:     {encoder}",
            $"memory:      {memory}",
            $"actor:       {actor}",
            $"critic:      {critic}",
            $"parameters:  {model.ParameterCount.ToString("N0", c)} ({string.Join("/", dtypes)})",
            $"state:       {model.StateSize.ToString(c)} floats per stream",
            $"preprocess:  {preprocess}");
    }

    // Which gray a video's frames get for this model (label's default; --gray overrides it).
    private static string GrayText(AgentRnn.Vision.GrayConversion gray) => gray == AgentRnn.Vision.GrayConversion.Luma
        ? "gray (video: luma plane, declared by the model)"
        : "gray (video: cv2.cvtColor BGR2GRAY of the decoded frame, PyTorch-exact)";
}
