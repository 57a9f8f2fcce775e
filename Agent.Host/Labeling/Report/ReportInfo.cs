namespace AgentRnn.Host.Labeling.Report;

/// <summary>What a label report says about its run besides the labels: the video, the model and the class names.</summary>
internal sealed record ReportInfo
{
    /// <summary>The video's path as given.</summary>
    public required string Video { get; init; }

    /// <summary>Frame width in pixels (0: unknown).</summary>
    public int Width { get; init; }

    /// <summary>Frame height in pixels (0: unknown).</summary>
    public int Height { get; init; }

    /// <summary>The frame rate the container declares (0: unknown).</summary>
    public double Fps { get; init; }

    /// <summary>The frame count the container declares, if any.</summary>
    public int? DeclaredFrames { get; init; }

    /// <summary>The model, in one line.</summary>
    public required string Model { get; init; }

    /// <summary>Class names by class index.</summary>
    public required IReadOnlyList<string> Classes { get; init; }

    /// <summary>Runs shorter than this many frames were merged into a neighbour.</summary>
    public int MinSegment { get; init; } = 1;
}
