using AgentRnn.Core;
using AgentRnn.Core.SafeTensors;
using AgentRnn.Memory;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Host.Models;

/// <summary>
/// Recognises a checkpoint's layout from its tensor names, reads the architecture from the shapes (or from
/// agent.config), and maps every parameter of our layout to the file's tensor name. Every shape is checked
/// before any weight is read; a mismatch is one line naming the file's tensor, its shape and the expected one.
/// </summary>
internal static class CheckpointLayouts
{
    /// <summary>The resolved architecture, our name → the file's name, and the file's tensors accepted as aliases.</summary>
    internal sealed record Resolved(ModelConfig Config, IReadOnlyDictionary<string, string> Names);

    public static Resolved Resolve(SafeTensorsFile file, ModelLoadOptions options)
    {
        Resolved resolved;
        var aliases = new HashSet<string>(StringComparer.Ordinal);
        if (file.Metadata.TryGetValue(ModelConfig.MetadataKey, out string? json))
        {
            ModelConfig config = ApplyPreprocess(file, ModelConfig.FromJson(json, file.Path), options, "ours");
            resolved = new Resolved(config, config.Parameters().ToDictionary(p => p.Name, p => p.Name, StringComparer.Ordinal));
        }
        else if (file.Contains("network.0.weight") && file.Contains("lstm.weight_ih_l0"))
        {
            resolved = CleanRl(file, options);
        }
        else if (file.Contains("lstm_actor.weight_ih_l0"))
        {
            resolved = Sb3(file, options, aliases);
        }
        else
        {
            string found = file.Count == 0 ? "no tensors" : $"{file.Count} tensors such as " + string.Join(", ", file.Tensors.Take(3).Select(t => $"'{t.Name}'"));
            throw new ModelFormatException(
                $"{file.Path}: matches no known layout: expected __metadata__[\"agent.config\"] (ours), network.0.weight + lstm.weight_ih_l0 "
                + $"(CleanRL ppo_atari_lstm) or features_extractor.cnn.0.weight + lstm_actor.weight_ih_l0 (SB3 RecurrentPPO); found {found}");
        }
        CheckShapes(file, resolved, aliases);
        return resolved;
    }

    private static Resolved CleanRl(SafeTensorsFile file, ModelLoadOptions options)
    {
        const string layout = "cleanrl";
        int channels = Dim(file, "network.0.weight", 1, layout);
        int features = Dim(file, "network.7.weight", 0, layout);
        int flat = Dim(file, "network.7.weight", 1, layout);
        int hidden = Dim(file, "lstm.weight_hh_l0", 1, layout);
        int layers = CountLayers(file, "lstm.");
        var config = new ModelConfig
        {
            Layout = ModelLayout.CleanRl,
            Encoder = EncoderKind.NatureCnn,
            Channels = channels,
            FeatureSize = features,
            Cell = CellKind.Lstm,
            HiddenSize = hidden,
            Layers = layers,
            CriticMemory = false,
            Action = Action(file, "actor.weight", hasLogStd: false, options, layout),
        };
        config = Geometry(file, config, flat, options, layout);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        MapEncoder(names, "network.0", "network.2", "network.4", "network.7");
        MapMemory(names, config, "memory", "lstm");
        MapLinear(names, "actor", "actor");
        MapLinear(names, "critic", "critic");
        return new Resolved(config, names);
    }

    private static Resolved Sb3(SafeTensorsFile file, ModelLoadOptions options, HashSet<string> aliases)
    {
        const string layout = "sb3";
        string prefix = file.Contains("features_extractor.cnn.0.weight") ? "features_extractor." : "pi_features_extractor.";
        foreach (TensorInfo t in file.Tensors)
        {
            if (t.Name.StartsWith("mlp_extractor.", StringComparison.Ordinal))
            {
                throw new ModelFormatException(
                    $"{file.Path}: tensor '{t.Name}' {t.ShapeString}: SB3 net_arch layers after the LSTM are not supported (CnnLstmPolicy's default net_arch=[] has none)");
            }
        }
        if (file.Contains("critic.weight") && !file.Contains("lstm_critic.weight_ih_l0"))
        {
            throw new ModelFormatException(
                $"{file.Path}: tensor 'critic.weight' {file.Info("critic.weight").ShapeString}: an SB3 critic without its own LSTM (enable_critic_lstm=False, shared_lstm=False) is not supported");
        }
        int channels = Dim(file, prefix + "cnn.0.weight", 1, layout);
        int features = Dim(file, prefix + "linear.0.weight", 0, layout);
        int flat = Dim(file, prefix + "linear.0.weight", 1, layout);
        int hidden = Dim(file, "lstm_actor.weight_hh_l0", 1, layout);
        bool criticLstm = file.Contains("lstm_critic.weight_ih_l0");
        var config = new ModelConfig
        {
            Layout = ModelLayout.Sb3RecurrentPpo,
            Encoder = EncoderKind.NatureCnn,
            Channels = channels,
            FeatureSize = features,
            Cell = CellKind.Lstm,
            HiddenSize = hidden,
            Layers = CountLayers(file, "lstm_actor."),
            CriticMemory = criticLstm,
            Action = Action(file, "action_net.weight", file.Contains("log_std"), options, layout),
        };
        config = Geometry(file, config, flat, options, layout);
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        MapEncoder(names, prefix + "cnn.0", prefix + "cnn.2", prefix + "cnn.4", prefix + "linear.0");
        MapMemory(names, config, "memory", "lstm_actor");
        if (criticLstm)
        {
            MapMemory(names, config, "critic_memory", "lstm_critic");
        }
        MapLinear(names, "actor", "action_net");
        if (config.Action.Kind == ActionKind.Box)
        {
            names["actor.log_std"] = "log_std";
        }
        MapLinear(names, "critic", "value_net");
        AcceptAliases(file, prefix, aliases);
        return new Resolved(config, names);
    }

    // SB3 stores the shared extractor under features_extractor, pi_features_extractor and vf_features_extractor.
    // The copies are accepted when they equal the one used; a different critic extractor is not supported.
    private static void AcceptAliases(SafeTensorsFile file, string used, HashSet<string> aliases)
    {
        foreach (string copy in new[] { "features_extractor.", "pi_features_extractor.", "vf_features_extractor." })
        {
            if (copy == used)
            {
                continue;
            }
            foreach (TensorInfo t in file.Tensors.Where(t => t.Name.StartsWith(copy, StringComparison.Ordinal)).ToArray())
            {
                string original = used + t.Name.Substring(copy.Length);
                if (!file.Contains(original) || !file.Info(original).Shape.SequenceEqual(t.Shape)
                    || !file.ReadTensor(original).Data.AsSpan().SequenceEqual(file.ReadTensor(t.Name).Data))
                {
                    throw new ModelFormatException(
                        $"{file.Path}: tensor '{t.Name}' differs from '{original}': separate actor and critic feature extractors (share_features_extractor=False) are not supported");
                }
                aliases.Add(t.Name);
            }
        }
    }

    private static ActionSpec Action(SafeTensorsFile file, string actor, bool hasLogStd, ModelLoadOptions options, string layout)
    {
        int width = Dim(file, actor, 0, layout);
        if (hasLogStd)
        {
            return ActionSpec.Box(width);
        }
        if (options.ActionSizes is { } nvec)
        {
            if (nvec.Count == 0 || nvec.Any(n => n <= 0) || nvec.Sum() != width)
            {
                throw new ModelFormatException(
                    $"{file.Path}: tensor '{actor}' has {width} outputs, which the given action sizes [{string.Join(", ", nvec)}] do not add up to");
            }
            return nvec.Count == 1 ? ActionSpec.Discrete(width) : ActionSpec.MultiDiscrete([.. nvec]);
        }
        return ActionSpec.Discrete(width);
    }

    // Input size: given, or the smallest square input whose NatureCNN output has flat/64 positions (84×84 for 3136).
    private static ModelConfig Geometry(SafeTensorsFile file, ModelConfig config, int flat, ModelLoadOptions options, string layout)
    {
        int height, width;
        if (options.Height is int h && options.Width is int w)
        {
            (height, width) = (h, w);
        }
        else
        {
            int side = (int)Math.Round(Math.Sqrt(flat / 64.0));
            if (flat % 64 != 0 || side < 1 || side * side * 64 != flat)
            {
                throw new ModelFormatException(
                    $"{file.Path}: the first linear layer takes {flat} inputs, which is not 64·s·s for a square input; give the frame height and width ({layout} layout)");
            }
            // Inverse of NatureCnnOutput for the smallest input: s → 8·s + 28 (7 → 84).
            height = width = 8 * side + 28;
        }
        config = config with { Height = height, Width = width };
        return ApplyPreprocess(file, config, options, layout);
    }

    private static ModelConfig ApplyPreprocess(SafeTensorsFile file, ModelConfig config, ModelLoadOptions options, string layout)
    {
        if (config.Encoder == EncoderKind.Mlp)
        {
            return config;
        }
        if (options.Height is int h && options.Width is int w)
        {
            config = config with { Height = h, Width = w };
        }
        PreprocessConfig defaults = config.Preprocess ?? PreprocessConfig.Atari(config.Channels);
        bool gray = options.Grayscale ?? (config.Layout == ModelLayout.Ours ? defaults.Grayscale : true);
        int perFrame = gray ? 1 : 3;
        if (config.Channels % perFrame != 0)
        {
            throw new ModelFormatException($"{file.Path}: {config.Channels} input channels cannot be a stack of RGB frames ({layout} layout)");
        }
        // CleanRL and SB3 checkpoints declare no gray conversion: they get what their users trained on (cv2's cvtColor).
        var preprocess = new PreprocessConfig(config.Height, config.Width, gray, config.Channels / perFrame,
            options.Scale ?? (config.Layout == ModelLayout.Ours ? defaults.Scale : PreprocessConfig.DefaultScale))
        {
            Gray = config.Layout == ModelLayout.Ours ? defaults.Gray : Vision.GrayConversion.CvtColor,
        };
        config = config with { Preprocess = preprocess };
        config.Validate($"{file.Path} ({layout} layout)");
        return config;
    }

    private static void CheckShapes(SafeTensorsFile file, Resolved resolved, HashSet<string> aliases)
    {
        string layout = ModelConfig.LayoutName(resolved.Config.Layout);
        var used = new HashSet<string>(aliases, StringComparer.Ordinal);
        foreach (ParameterSpec p in resolved.Config.Parameters())
        {
            string name = resolved.Names[p.Name];
            used.Add(name);
            if (!file.Contains(name))
            {
                throw new ModelFormatException($"{file.Path}: tensor '{name}' is missing; expected shape {p.ShapeString} ({layout} layout)");
            }
            TensorInfo info = file.Info(name);
            if (!info.Shape.SequenceEqual(p.Shape))
            {
                throw new ModelFormatException($"{file.Path}: tensor '{name}' has shape {info.ShapeString}, expected {p.ShapeString} ({layout} layout{Context(p, resolved.Config)})");
            }
            if (info.DType is not ("F32" or "F16" or "BF16"))
            {
                throw new ModelFormatException($"{file.Path}: tensor '{name}' has dtype {info.DType}; model weights must be F32, F16 or BF16");
            }
        }
        TensorInfo? extra = file.Tensors.FirstOrDefault(t => !used.Contains(t.Name));
        if (extra is not null)
        {
            throw new ModelFormatException($"{file.Path}: tensor '{extra.Name}' {extra.ShapeString} is not part of the {layout} layout as detected ({Describe(resolved.Config)})");
        }
    }

    private static string Context(ParameterSpec p, ModelConfig config) =>
        p.Name == "encoder.linear.weight" ? $" for a {config.Channels}x{config.Height}x{config.Width} input" : "";

    private static string Describe(ModelConfig c) =>
        $"{ModelConfig.EncoderName(c.Encoder)} {c.Channels}x{c.Height}x{c.Width}, {ModelConfig.CellName(c.Cell)} x{c.Layers}"
        + (c.CriticMemory ? " + critic memory" : "") + $", {c.Action}";

    private static int Dim(SafeTensorsFile file, string name, int axis, string layout)
    {
        if (!file.Contains(name))
        {
            throw new ModelFormatException($"{file.Path}: tensor '{name}' is missing ({layout} layout)");
        }
        TensorInfo info = file.Info(name);
        if (info.Shape.Length <= axis || info.Shape[axis] <= 0 || info.Shape[axis] > ModelConfig.MaxDimension)
        {
            throw new ModelFormatException($"{file.Path}: tensor '{name}' has shape {info.ShapeString}, which cannot give the model's sizes ({layout} layout)");
        }
        return info.Shape[axis];
    }

    private static int CountLayers(SafeTensorsFile file, string prefix)
    {
        int layers = 0;
        while (layers < ModelConfig.MaxLayers && file.Contains($"{prefix}weight_ih_l{layers}"))
        {
            layers++;
        }
        return layers;
    }

    private static void MapEncoder(Dictionary<string, string> names, string conv1, string conv2, string conv3, string linear)
    {
        MapLinear(names, "encoder.conv1", conv1);
        MapLinear(names, "encoder.conv2", conv2);
        MapLinear(names, "encoder.conv3", conv3);
        MapLinear(names, "encoder.linear", linear);
    }

    private static void MapLinear(Dictionary<string, string> names, string ours, string theirs)
    {
        names[ours + ".weight"] = theirs + ".weight";
        names[ours + ".bias"] = theirs + ".bias";
    }

    private static void MapMemory(Dictionary<string, string> names, ModelConfig config, string ours, string theirs)
    {
        for (int k = 0; k < config.Layers; k++)
        {
            foreach (string p in new[] { "weight_ih", "weight_hh", "bias_ih", "bias_hh" })
            {
                names[$"{ours}.{p}_l{k}"] = $"{theirs}.{p}_l{k}";
            }
        }
    }

    /// <summary>Reads a tensor the resolution mapped, as float32.</summary>
    public static Tensor Read(SafeTensorsFile file, Resolved resolved, string ours) => file.ReadTensor(resolved.Names[ours]);
}
