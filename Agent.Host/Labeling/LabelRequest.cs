namespace AgentRnn.Host.Labeling;

/// <summary>What `agent label` was asked to do, resolved to one set of paths per video (null: not wanted / stdout).</summary>
internal sealed record LabelRequest
{
    /// <summary>The videos, one stream each.</summary>
    public required IReadOnlyList<string> Videos { get; init; }

    /// <summary>Rows file per video; null writes the (single) video's rows to stdout.</summary>
    public required IReadOnlyList<string?> Rows { get; init; }

    /// <summary>Row format.</summary>
    public required LabelFormat Format { get; init; }

    /// <summary>Add the full distribution to each row.</summary>
    public bool EmitProbs { get; init; }

    /// <summary>Add the critic's value to each row.</summary>
    public bool EmitValue { get; init; }

    /// <summary>Segments CSV per video, or null.</summary>
    public required IReadOnlyList<string?> Segments { get; init; }

    /// <summary>Runs shorter than this many frames merge into a neighbour.</summary>
    public int MinSegment { get; init; } = 1;

    /// <summary>Annotated copy per video, or null.</summary>
    public required IReadOnlyList<string?> Annotate { get; init; }

    /// <summary>Comma-separated class names (--classes), or null.</summary>
    public string? Classes { get; init; }

    /// <summary>Class names file (--classes-file), or null.</summary>
    public string? ClassesFile { get; init; }

    /// <summary>
    /// How a grayscale model's video frames become gray when the command line says so (--gray, --exact-gray); null
    /// leaves it to the model's declared conversion (PyTorch-exact cvtColor unless the model says otherwise).
    /// </summary>
    public Vision.GrayConversion? Gray { get; init; }

    /// <summary>Report HTML file per video, or null (the PNG is beside it: <see cref="Report.ReportPaths.Png"/>); empty: none.</summary>
    public IReadOnlyList<string?> Reports { get; init; } = [];

    /// <summary>The part of each video to label (--start, --end); the whole video by default.</summary>
    public Vision.FrameWindow Window { get; init; } = Vision.FrameWindow.All;

    /// <summary>The model in one line, for the reports' header.</summary>
    public string ModelDescription { get; init; } = "";
}
