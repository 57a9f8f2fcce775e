using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentRnn.Vision;

namespace AgentRnn.Cli;

/// <summary>`agent probe VIDEO [--json]`: decodes a whole video and prints its facts, with the exact frame count.</summary>
internal static class ProbeCommand
{
    internal static Command Create()
    {
        var video = new Argument<string>("VIDEO") { Description = "Video file (any container and codec FFmpeg reads) or stream URL" };
        var json = new Option<bool>("--json")
        {
            Description = "End stdout with one JSON object: path, width, height, fps, frames, declared_frames, duration_s, codec",
        };
        var command = new Command("probe", "Decode a whole video and print its size, frame rate, exact frame count, duration and codec")
        {
            video,
            json,
        };
        command.SetAction((ParseResult result, CancellationToken cancellationToken) =>
        {
            VideoFacts facts = VideoFacts.Probe(result.GetValue(video)!, cancellationToken);
            TextWriter output = result.InvocationConfiguration.Output;
            output.WriteLine(result.GetValue(json) ? ToJson(facts) : ToText(facts));
            return Task.FromResult(0);
        });
        return command;
    }

    internal static string ToJson(VideoFacts facts)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("path", facts.Path);
            writer.WriteNumber("width", facts.Width);
            writer.WriteNumber("height", facts.Height);
            writer.WriteNumber("fps", facts.Fps);
            writer.WriteNumber("frames", facts.Frames);
            if (facts.DeclaredFrames is int declared)
            {
                writer.WriteNumber("declared_frames", declared);
            }
            else
            {
                writer.WriteNull("declared_frames");
            }
            writer.WriteNumber("duration_s", Math.Round(facts.DurationSeconds, 6));
            writer.WriteString("codec", facts.Codec);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string ToText(VideoFacts facts)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        string declared = facts.DeclaredFrames is int d ? d.ToString(c) : "unknown";
        return string.Join(
            Environment.NewLine,
            $"path:            {facts.Path}",
            $"size:            {facts.Width}x{facts.Height}",
            string.Create(c, $"fps:             {facts.Fps:0.###}"),
            $"frames:          {facts.Frames.ToString(c)} (decoded)",
            $"declared frames: {declared}",
            string.Create(c, $"duration:        {facts.DurationSeconds:0.###} s"),
            $"codec:           {facts.Codec}");
    }
}
