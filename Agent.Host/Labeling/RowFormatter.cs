using System.Globalization;
using System.Text;

namespace AgentRnn.Host.Labeling;

/// <summary>
/// Formats label rows as UTF-8 into one reused buffer: JSONL {"frame","time","label","score"[,"probs"][,"value"]}
/// or CSV with the same columns (probs as one prob_&lt;label&gt; column per class). Allocates nothing per row.
/// </summary>
internal sealed class RowFormatter
{
    private readonly LabelFormat _format;
    private readonly ClassNames _classes;
    private readonly bool _probs;
    private readonly bool _value;
    private readonly byte[] _buffer;
    private int _length;

    public RowFormatter(LabelFormat format, ClassNames classes, bool emitProbs, bool emitValue)
    {
        _format = format;
        _classes = classes;
        _probs = emitProbs;
        _value = emitValue;
        // Every number takes at most 32 bytes; labels are bounded by the longest class name.
        int longest = Enumerable.Range(0, classes.Names.Count).Max(a => Math.Max(classes.Json(a).Length, classes.Csv(a).Length));
        _buffer = new byte[256 + longest + classes.Names.Count * 34];
    }

    /// <summary>The header row (CSV), or nothing (JSONL).</summary>
    public byte[] Header()
    {
        if (_format == LabelFormat.Jsonl)
        {
            return [];
        }
        var header = new StringBuilder("frame,time,label,score");
        if (_probs)
        {
            foreach (string name in _classes.Names)
            {
                string column = "prob_" + name;
                header.Append(',').Append(column.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + column.Replace("\"", "\"\"") + "\"" : column);
            }
        }
        if (_value)
        {
            header.Append(",value");
        }
        return Encoding.UTF8.GetBytes(header.Append('\n').ToString());
    }

    /// <summary>Formats one row (with its newline) and returns the bytes, valid until the next call.</summary>
    public ReadOnlySpan<byte> Row(long frame, double time, int action, ReadOnlySpan<float> probs, float value)
    {
        _length = 0;
        if (_format == LabelFormat.Jsonl)
        {
            Append("{\"frame\":"u8);
            Number(frame);
            Append(",\"time\":"u8);
            Number(time);
            Append(",\"label\":\""u8);
            Append(_classes.Json(action));
            Append("\",\"score\":"u8);
            Number(probs[action]);
            if (_probs)
            {
                Append(",\"probs\":["u8);
                for (int a = 0; a < probs.Length; a++)
                {
                    if (a > 0)
                    {
                        Append(","u8);
                    }
                    Number(probs[a]);
                }
                Append("]"u8);
            }
            if (_value)
            {
                Append(",\"value\":"u8);
                Number(value);
            }
            Append("}\n"u8);
        }
        else
        {
            Number(frame);
            Append(","u8);
            Number(time);
            Append(","u8);
            Append(_classes.Csv(action));
            Append(","u8);
            Number(probs[action]);
            if (_probs)
            {
                for (int a = 0; a < probs.Length; a++)
                {
                    Append(","u8);
                    Number(probs[a]);
                }
            }
            if (_value)
            {
                Append(","u8);
                Number(value);
            }
            Append("\n"u8);
        }
        return _buffer.AsSpan(0, _length);
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    private void Number(long value)
    {
        value.TryFormat(_buffer.AsSpan(_length), out int written, default, CultureInfo.InvariantCulture);
        _length += written;
    }

    // Shortest round-trip text; JSON has no NaN or infinity, so a broken model's output reads as null there.
    private void Number(double value)
    {
        if (!double.IsFinite(value))
        {
            Append(_format == LabelFormat.Jsonl ? "null"u8 : "nan"u8);
            return;
        }
        value.TryFormat(_buffer.AsSpan(_length), out int written, "R", CultureInfo.InvariantCulture);
        _length += written;
    }

    private void Number(float value)
    {
        if (!float.IsFinite(value))
        {
            Append(_format == LabelFormat.Jsonl ? "null"u8 : "nan"u8);
            return;
        }
        value.TryFormat(_buffer.AsSpan(_length), out int written, "R", CultureInfo.InvariantCulture);
        _length += written;
    }
}
