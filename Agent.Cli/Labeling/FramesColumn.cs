using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace AgentRnn.Cli.Labeling;

/// <summary>A progress column showing frames done (of the declared total) and the current frames per second.</summary>
internal sealed class FramesColumn : ProgressColumn
{
    /// <inheritdoc/>
    public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime)
    {
        string total = task.IsIndeterminate ? "?" : task.MaxValue.ToString("F0", CultureInfo.InvariantCulture);
        double fps = task.Speed ?? 0;
        return new Text(string.Create(CultureInfo.InvariantCulture, $"{task.Value:F0}/{total} frames {fps:F0} fps"));
    }
}
