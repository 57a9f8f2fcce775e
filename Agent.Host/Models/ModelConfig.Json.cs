using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AgentRnn.Core.Kernels;
using AgentRnn.Memory;
using AgentRnn.Vision;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Host.Models;

/// <summary>The agent.config JSON form of <see cref="ModelConfig"/> (docs/MODEL_FORMAT.md).</summary>
public sealed partial record ModelConfig
{
    /// <summary>The metadata key holding the config in a model file.</summary>
    public const string MetadataKey = "agent.config";

    /// <summary>The agent.config format version this code writes and reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>
    /// Serialises to the agent.config JSON object (one line). "source" records the layout the model came from;
    /// it is informational, and a file in our layout always loads as <see cref="ModelLayout.Ours"/>.
    /// </summary>
    public string ToJson()
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteJson(json);
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Writes the agent.config JSON object.</summary>
    public void WriteJson(Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartObject();
        json.WriteNumber("format", FormatVersion);
        json.WriteString("source", LayoutName(Layout));
        json.WriteStartObject("encoder");
        json.WriteString("kind", EncoderName(Encoder));
        if (Encoder == EncoderKind.Mlp)
        {
            json.WriteNumber("inputs", Channels);
            WriteInts(json, "layers", MlpLayers);
            json.WriteString("activation", MlpActivation == Activation.ReLU ? "relu" : "tanh");
        }
        else
        {
            json.WriteNumber("channels", Channels);
            json.WriteNumber("height", Height);
            json.WriteNumber("width", Width);
            json.WriteNumber("features", FeatureSize);
            if (Encoder == EncoderKind.Impala)
            {
                WriteInts(json, "stage_channels", ImpalaChannels);
            }
        }
        json.WriteEndObject();
        if (Preprocess is { } p)
        {
            json.WriteStartObject("preprocess");
            json.WriteNumber("height", p.Height);
            json.WriteNumber("width", p.Width);
            json.WriteBoolean("grayscale", p.Grayscale);
            json.WriteString("gray", GrayName(p.Gray));
            json.WriteString("resize", "area");
            json.WriteNumber("frame_stack", p.FrameStack);
            json.WriteNumber("scale", p.Scale);
            json.WriteEndObject();
        }
        json.WriteStartObject("memory");
        json.WriteString("cell", CellName(Cell));
        json.WriteNumber("hidden", HiddenSize);
        json.WriteNumber("layers", Layers);
        json.WriteBoolean("critic_memory", CriticMemory);
        json.WriteEndObject();
        json.WriteStartObject("action");
        json.WriteString("kind", ActionSpec.KindName(Action.Kind));
        WriteInts(json, "sizes", Action.Sizes);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>
    /// Parses an agent.config JSON object and validates it; <paramref name="where"/> (the file) starts every error
    /// message, which names the offending field.
    /// </summary>
    public static ModelConfig FromJson(string text, string where)
    {
        ArgumentNullException.ThrowIfNull(text);
        string prefix = $"{where}: {MetadataKey}";
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new ModelFormatException($"{prefix} is not valid JSON: {e.Message.ReplaceLineEndings(" ")}", e);
        }
        using (doc)
        {
            var r = new Reader(prefix);
            JsonElement root = r.Object(doc.RootElement, "");
            int format = r.Int(root, "format", "");
            if (format != FormatVersion)
            {
                throw new ModelFormatException($"{prefix}: format {format} is not supported (this build reads format {FormatVersion})");
            }
            JsonElement enc = r.Object(r.Get(root, "encoder", ""), "encoder");
            string encName = r.String(enc, "kind", "encoder");
            EncoderKind encoder = encName switch
            {
                "nature_cnn" => EncoderKind.NatureCnn,
                "impala" => EncoderKind.Impala,
                "mlp" => EncoderKind.Mlp,
                _ => throw new ModelFormatException($"{prefix}: encoder.kind '{encName}' is not one of nature_cnn, impala, mlp"),
            };
            var config = new ModelConfig { Encoder = encoder };
            if (encoder == EncoderKind.Mlp)
            {
                string act = r.String(enc, "activation", "encoder");
                config = config with
                {
                    Channels = r.Int(enc, "inputs", "encoder"),
                    Height = 1,
                    Width = 1,
                    MlpLayers = r.Ints(enc, "layers", "encoder"),
                    MlpActivation = act switch
                    {
                        "tanh" => Activation.Tanh,
                        "relu" => Activation.ReLU,
                        _ => throw new ModelFormatException($"{prefix}: encoder.activation '{act}' is not tanh or relu"),
                    },
                    Preprocess = null,
                };
            }
            else
            {
                config = config with
                {
                    Channels = r.Int(enc, "channels", "encoder"),
                    Height = r.Int(enc, "height", "encoder"),
                    Width = r.Int(enc, "width", "encoder"),
                    FeatureSize = r.Int(enc, "features", "encoder"),
                };
                if (encoder == EncoderKind.Impala && enc.TryGetProperty("stage_channels", out _))
                {
                    config = config with { ImpalaChannels = r.Ints(enc, "stage_channels", "encoder") };
                }
                if (root.TryGetProperty("preprocess", out JsonElement pre))
                {
                    r.Object(pre, "preprocess");
                    string gray = pre.TryGetProperty("gray", out _) ? r.String(pre, "gray", "preprocess") : GrayName(GrayConversion.CvtColor);
                    string resize = pre.TryGetProperty("resize", out _) ? r.String(pre, "resize", "preprocess") : "area";
                    if (resize != "area")
                    {
                        throw new ModelFormatException($"{prefix}: preprocess.resize '{resize}' is not supported (area, as cv2.INTER_AREA)");
                    }
                    config = config with
                    {
                        Preprocess = new PreprocessConfig(
                            r.Int(pre, "height", "preprocess"),
                            r.Int(pre, "width", "preprocess"),
                            r.Bool(pre, "grayscale", "preprocess"),
                            r.Int(pre, "frame_stack", "preprocess"),
                            r.Float(pre, "scale", "preprocess"))
                        {
                            Gray = ParseGray(gray) ?? throw new ModelFormatException($"{prefix}: preprocess.gray '{gray}' is not one of cvtcolor, luma"),
                        },
                    };
                }
                else
                {
                    config = config with { Preprocess = new PreprocessConfig(config.Height, config.Width, true, config.Channels, PreprocessConfig.DefaultScale) };
                }
            }
            JsonElement mem = r.Object(r.Get(root, "memory", ""), "memory");
            string cell = r.String(mem, "cell", "memory");
            config = config with
            {
                Cell = ParseCell(cell) ?? throw new ModelFormatException($"{prefix}: memory.cell '{cell}' is not one of lstm, gru, rnn"),
                HiddenSize = r.Int(mem, "hidden", "memory"),
                Layers = r.Int(mem, "layers", "memory"),
                CriticMemory = r.Bool(mem, "critic_memory", "memory"),
            };
            JsonElement action = r.Object(r.Get(root, "action", ""), "action");
            string kind = r.String(action, "kind", "action");
            int[] sizes = r.Ints(action, "sizes", "action");
            ActionKind actionKind = kind switch
            {
                "discrete" => ActionKind.Discrete,
                "multi_discrete" => ActionKind.MultiDiscrete,
                "box" => ActionKind.Box,
                _ => throw new ModelFormatException($"{prefix}: action.kind '{kind}' is not one of discrete, multi_discrete, box"),
            };
            try
            {
                config = config with { Action = new ActionSpec(actionKind, sizes) };
            }
            catch (ArgumentException e)
            {
                throw new ModelFormatException($"{prefix}: action: {e.Message}", e);
            }
            config.Validate(prefix);
            return config;
        }
    }

    /// <summary>Name of a layout: ours, cleanrl or sb3.</summary>
    public static string LayoutName(ModelLayout layout) => layout switch
    {
        ModelLayout.CleanRl => "cleanrl",
        ModelLayout.Sb3RecurrentPpo => "sb3",
        _ => "ours",
    };

    /// <summary>Name of an encoder: nature_cnn, impala or mlp.</summary>
    public static string EncoderName(EncoderKind encoder) => encoder switch
    {
        EncoderKind.NatureCnn => "nature_cnn",
        EncoderKind.Impala => "impala",
        _ => "mlp",
    };

    /// <summary>Name of a cell: lstm, gru or rnn.</summary>
    public static string CellName(CellKind cell) => cell switch
    {
        CellKind.Lstm => "lstm",
        CellKind.Gru => "gru",
        _ => "rnn",
    };

    /// <summary>Name of a gray conversion in agent.config: cvtcolor or luma.</summary>
    public static string GrayName(GrayConversion gray) => gray == GrayConversion.Luma ? "luma" : "cvtcolor";

    /// <summary>A gray conversion by its agent.config name, or null.</summary>
    public static GrayConversion? ParseGray(string name) => name switch
    {
        "cvtcolor" => GrayConversion.CvtColor,
        "luma" => GrayConversion.Luma,
        _ => null,
    };

    private static CellKind? ParseCell(string name) => name switch
    {
        "lstm" => CellKind.Lstm,
        "gru" => CellKind.Gru,
        "rnn" => CellKind.Rnn,
        _ => null,
    };

    private static void WriteInts(Utf8JsonWriter json, string name, IReadOnlyList<int> values)
    {
        json.WriteStartArray(name);
        foreach (int v in values)
        {
            json.WriteNumberValue(v);
        }
        json.WriteEndArray();
    }

    // Field access with one-line errors naming the field ("encoder.height").
    private readonly struct Reader(string prefix)
    {
        private static string Path(string section, string name) => section.Length == 0 ? name : section + "." + name;

        public JsonElement Get(JsonElement obj, string name, string section) =>
            obj.TryGetProperty(name, out JsonElement v) ? v : throw new ModelFormatException($"{prefix}: {Path(section, name)} is missing");

        public JsonElement Object(JsonElement v, string section) =>
            v.ValueKind == JsonValueKind.Object ? v : throw new ModelFormatException($"{prefix}: {(section.Length == 0 ? "the config" : section)} is not a JSON object");

        public int Int(JsonElement obj, string name, string section)
        {
            JsonElement v = Get(obj, name, section);
            return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i) && i >= 0
                ? i
                : throw new ModelFormatException($"{prefix}: {Path(section, name)} must be a non-negative integer, not {v.GetRawText()}");
        }

        public float Float(JsonElement obj, string name, string section)
        {
            JsonElement v = Get(obj, name, section);
            return v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) && double.IsFinite(d)
                ? (float)d
                : throw new ModelFormatException($"{prefix}: {Path(section, name)} must be a number, not {v.GetRawText()}");
        }

        public bool Bool(JsonElement obj, string name, string section)
        {
            JsonElement v = Get(obj, name, section);
            return v.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? v.GetBoolean()
                : throw new ModelFormatException($"{prefix}: {Path(section, name)} must be true or false, not {v.GetRawText()}");
        }

        public string String(JsonElement obj, string name, string section)
        {
            JsonElement v = Get(obj, name, section);
            return v.ValueKind == JsonValueKind.String
                ? v.GetString()!
                : throw new ModelFormatException($"{prefix}: {Path(section, name)} must be a string, not {v.GetRawText()}");
        }

        public int[] Ints(JsonElement obj, string name, string section)
        {
            JsonElement v = Get(obj, name, section);
            if (v.ValueKind != JsonValueKind.Array || v.GetArrayLength() > 64)
            {
                throw new ModelFormatException($"{prefix}: {Path(section, name)} must be an array of at most 64 integers");
            }
            var result = new int[v.GetArrayLength()];
            int i = 0;
            foreach (JsonElement e in v.EnumerateArray())
            {
                result[i++] = e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int x) && x > 0
                    ? x
                    : throw new ModelFormatException($"{prefix}: {Path(section, name)}[{i - 1}] must be a positive integer, not {e.GetRawText()}");
            }
            return result;
        }
    }

    /// <summary>Formats a float for human-readable descriptions ("1/255" for the default scale).</summary>
    public static string FormatScale(float scale) =>
        scale == PreprocessConfig.DefaultScale ? "1/255" : scale.ToString("R", CultureInfo.InvariantCulture);
}
