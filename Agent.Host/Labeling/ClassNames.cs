using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using AgentRnn.Core;

namespace AgentRnn.Host.Labeling;

/// <summary>
/// The label of each action: the given class names, else the action index as a string. The UTF-8 bytes of each
/// label, JSON-escaped and CSV-quoted, are made once so rows are written without strings.
/// </summary>
internal sealed class ClassNames
{
    private readonly byte[][] _json;
    private readonly byte[][] _csv;

    private ClassNames(IReadOnlyList<string> names)
    {
        Names = names;
        _json = names.Select(n => JsonEncodedText.Encode(n, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).EncodedUtf8Bytes.ToArray()).ToArray();
        _csv = names.Select(n => Encoding.UTF8.GetBytes(CsvField(n))).ToArray();
    }

    /// <summary>The label of each action, by action index.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>The label's UTF-8 bytes, JSON-escaped (without quotes).</summary>
    public ReadOnlySpan<byte> Json(int action) => _json[action];

    /// <summary>The label's UTF-8 bytes as a CSV field (quoted when it needs to be).</summary>
    public ReadOnlySpan<byte> Csv(int action) => _csv[action];

    /// <summary>Action indices "0", "1", … as labels.</summary>
    public static ClassNames Indices(int actions) => new(Enumerable.Range(0, actions).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());

    /// <summary>
    /// The labels for a model with <paramref name="actions"/> actions from --classes (comma-separated) or
    /// --classes-file (one name per line; blank lines skipped); indices when neither is given.
    /// </summary>
    public static ClassNames Resolve(string? classes, string? classesFile, int actions)
    {
        if (classes is not null && classesFile is not null)
        {
            throw new AgentException("--classes and --classes-file are contradictory: give one");
        }
        string[] names;
        string origin;
        if (classes is not null)
        {
            names = classes.Split(',', StringSplitOptions.TrimEntries);
            origin = "--classes";
        }
        else if (classesFile is not null)
        {
            if (!File.Exists(classesFile))
            {
                throw new AgentException($"{classesFile}: classes file not found");
            }
            names = File.ReadAllLines(classesFile).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
            origin = classesFile;
        }
        else
        {
            return Indices(actions);
        }
        if (names.Any(n => n.Length == 0))
        {
            throw new AgentException($"{origin}: empty class name");
        }
        if (names.Length != actions)
        {
            throw new AgentException($"{origin}: {names.Length} class names for a model with {actions} actions");
        }
        return new ClassNames(names);
    }

    private static string CsvField(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
}
