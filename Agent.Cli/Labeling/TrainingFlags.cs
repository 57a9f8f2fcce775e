using System.CommandLine;
using System.Globalization;
using AgentRnn.Core;
using AgentRnn.Host.Models;
using AgentRnn.Vision;

namespace AgentRnn.Cli.Labeling;

/// <summary>
/// `agent label`'s flags that make labelling see frames as the model saw them in training: frame skip with
/// max-pool, crop, the part of the video (--start/--end), and the model-load overrides `agent inspect` has.
/// </summary>
internal sealed class TrainingFlags
{
    private readonly Option<int?> _frameSkip = new("--frame-skip")
    {
        Description = "Label every K-th frame as Atari's MaxAndSkip (SB3, CleanRL) showed it: row n is frame start+nK+K-1, the element-wise " +
            "max of raw frames K-2 and K-1 of its group (before the gray conversion); a last group of fewer than K frames gets no row. " +
            "The annotated copy holds the labelled frames at 1/K the rate. Default 1 (every frame)",
    };

    private readonly Option<string?> _crop = new("--crop")
    {
        Description = "Keep X,Y,W,H of each frame (left, top, width, height in source pixels) before resizing, as a training crop did; it must lie inside the frame",
    };

    private readonly Option<string?> _start = new("--start")
    {
        Description = "First frame to label: a frame index (300) or a time in seconds (12.5s); frame numbers and times in the rows stay the video's own",
    };

    private readonly Option<string?> _end = new("--end")
    {
        Description = "Stop before this frame index (900) or time (30s); default: the end of the video",
    };

    private readonly Option<int?> _height = new("--height") { Description = "Frame height the encoder takes (with --width), as `agent inspect`" };
    private readonly Option<int?> _width = new("--width") { Description = "Frame width the encoder takes (with --height)" };
    private readonly Option<bool> _rgb = new("--rgb") { Description = "The model takes RGB frames (3 channels per stacked frame), not gray" };
    private readonly Option<float?> _scale = new("--scale") { Description = "uint8 → float factor (default 1/255)" };
    private readonly Option<string?> _actionSizes = new("--action-sizes") { Description = "nvec of a MultiDiscrete action space, e.g. 3,2 (CleanRL and SB3 checkpoints)" };

    /// <summary>Adds the flags to the command.</summary>
    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _frameSkip, _crop, _start, _end, _rgb, _height, _width, _scale, _actionSizes })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The model-load overrides, rejecting a lone --height or --width and bad sizes with one line.</summary>
    public ModelLoadOptions LoadOptions(ParseResult result)
    {
        if (result.GetValue(_height).HasValue != result.GetValue(_width).HasValue)
        {
            throw new AgentException("--height and --width go together");
        }
        if (result.GetValue(_height) is int h && h < 1 || result.GetValue(_width) is int w && w < 1)
        {
            throw new AgentException($"--height {result.GetValue(_height)} --width {result.GetValue(_width)}: the frame size must be positive");
        }
        if (result.GetValue(_scale) is float scale && !(float.IsFinite(scale) && scale > 0))
        {
            throw new AgentException($"--scale {scale.ToString(CultureInfo.InvariantCulture)}: must be a positive number");
        }
        return new ModelLoadOptions
        {
            Height = result.GetValue(_height),
            Width = result.GetValue(_width),
            Grayscale = result.GetValue(_rgb) ? false : null,
            Scale = result.GetValue(_scale),
            ActionSizes = InspectCommand.ParseSizes(result.GetValue(_actionSizes)),
        };
    }

    /// <summary>The part of each video to label.</summary>
    public FrameWindow Window(ParseResult result) => FrameWindow.Parse(result.GetValue(_start), result.GetValue(_end));

    /// <summary>Checks --frame-skip and --crop before the model is loaded (their values only; the crop's fit is checked per video).</summary>
    public void Validate(ParseResult result)
    {
        _ = Apply(new PreprocessOptions(), result);
    }

    /// <summary>The model's preprocessing with --frame-skip and --crop applied.</summary>
    public PreprocessOptions Apply(PreprocessOptions preprocess, ParseResult result)
    {
        int skip = result.GetValue(_frameSkip) ?? 1;
        if (skip < 1)
        {
            throw new AgentException($"--frame-skip {skip}: must be at least 1 (1 labels every frame; Atari models use 4)");
        }
        return preprocess with
        {
            FrameSkip = skip,
            MaxPoolLastTwo = skip > 1,
            Crop = ParseCrop(result.GetValue(_crop)) ?? preprocess.Crop,
        };
    }

    /// <summary>"X,Y,W,H" as a crop; null for null; one line naming the flag for anything else.</summary>
    internal static CropRect? ParseCrop(string? text)
    {
        if (text is null)
        {
            return null;
        }
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new int[4];
        bool ok = parts.Length == 4;
        for (int i = 0; ok && i < 4; i++)
        {
            ok = int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i]);
        }
        if (!ok)
        {
            throw new AgentException($"--crop '{text}': expected X,Y,W,H, four whole numbers (left, top, width, height in pixels), e.g. 0,34,160,160");
        }
        if (values[2] == 0 || values[3] == 0)
        {
            throw new AgentException($"--crop '{text}': the width and height must be positive");
        }
        return new CropRect(values[0], values[1], values[2], values[3]);
    }
}
