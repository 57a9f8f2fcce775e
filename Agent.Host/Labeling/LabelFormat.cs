namespace AgentRnn.Host.Labeling;

/// <summary>How label rows are written.</summary>
internal enum LabelFormat
{
    /// <summary>One JSON object per line.</summary>
    Jsonl,

    /// <summary>Comma-separated values with a header row.</summary>
    Csv,
}
