using System.CommandLine;
using AgentRnn.Host.Network;
using AgentRnn.Core.Compute.Cpu;
using AgentRnn.Host.Labeling;
using AgentRnn.Host.Labeling.Report;
using AgentRnn.Host.Models;
using AgentRnn.Host.Pipeline;
using AgentRnn.Vision;

namespace AgentRnn.Cli;

/// <summary>`agent label VIDEO... --model M ...`: per-frame labels for recorded video.</summary>
internal static class LabelCommand
{
    /// <summary>Help for --gray, shared with `agent bench`.</summary>
    internal const string GrayDescription =
        "How a grayscale model's video frames become gray: exact (cv2.VideoCapture + cv2.cvtColor BGR2GRAY, byte for byte what " +
        "PyTorch users trained on; what CleanRL and SB3 checkpoints and models that declare nothing get) or luma (the video's " +
        "luma plane as ffmpeg's format=gray, no BGR frame: faster, about 1 gray level off on average). Default: the model's " +
        "declared conversion (`agent inspect` shows it). Colour models always decode BGR";

    /// <summary>Help for --exact-gray, shared with `agent bench`.</summary>
    internal const string ExactGrayDescription = "Same as --gray exact (the default unless the model declares luma)";

    /// <summary>--gray and --exact-gray, as label and bench take them.</summary>
    internal static (Option<string?> Gray, Option<bool> ExactGray) GrayOptions() =>
        (new Option<string?>("--gray") { Description = GrayDescription }, new Option<bool>("--exact-gray") { Description = ExactGrayDescription });

    /// <summary>The conversion a run uses: the command line's, else the model's declared one (cvtColor when it declares none).</summary>
    internal static GrayConversion ResolveGray(ParseResult result, (Option<string?> Gray, Option<bool> ExactGray) options, PolicyModel model) =>
        LabelRequestBuilder.ResolveGray(result.GetValue(options.Gray), result.GetValue(options.ExactGray))
        ?? model.Config.Preprocess?.Gray ?? GrayConversion.CvtColor;

    internal static Command Create()
    {
        var videos = new Argument<string[]>("VIDEO")
        {
            Description = "Video file(s); several label as parallel streams, each with its own LSTM state",
            Arity = ArgumentArity.OneOrMore,
        };
        var model = new Option<string>("--model") { Description = "Model file (.safetensors): ours, CleanRL ppo_atari_lstm or SB3 RecurrentPPO", Required = true };
        var output = new Option<string?>("--out") { Description = "Rows file for one video: FILE.jsonl or FILE.csv (default: JSONL on stdout)" };
        var outputDir = new Option<string?>("--out-dir") { Description = "Directory for several videos: one DIR/<video name>.jsonl (or .csv) each" };
        var format = new Option<string?>("--format") { Description = "jsonl or csv (default: from --out's extension, else jsonl)" };
        var classes = new Option<string?>("--classes") { Description = "Class names by action index, comma-separated: a,b,c (default: the action index)" };
        var classesFile = new Option<string?>("--classes-file") { Description = "Class names by action index, one per line" };
        var emit = new Option<string?>("--emit") { Description = "Extra columns: probs (the full distribution), value (the critic's estimate), e.g. probs,value" };
        var segments = new Option<string?>("--segments")
        {
            Description = "Write runs of the same label as CSV (label,start_frame,end_frame,start_time,end_time,frames; frames inclusive, " +
                "times of the first and last frame); with several videos, a directory of <video name>.segments.csv",
        };
        var minSegment = new Option<int?>("--min-segment") { Description = "Merge runs shorter than N frames into a neighbour (with --segments)" };
        var annotate = new Option<string?>("--annotate")
        {
            Description = "Write a copy of the video in the same pass as labelling, one frame per row, with an info strip added below the " +
                "picture (frame, time, the top 3 labels with scores). OUT.mp4 is H.264 where OpenCV's FFmpeg has the encoder, else MPEG-4 " +
                "Part 2 (the run says which and why); .webm, .mkv and .avi work too. Ctrl+C keeps a playable copy up to the last labelled " +
                "frame. With several videos, a directory of <video name>.annotated.mp4",
        };
        var gray = GrayOptions();
        var report = new Option<string?>("--report")
        {
            Description = "Write a report to look at: OUT.html, one self-contained page (works offline) with the probabilities, the value and " +
                "the segment strip over time, and OUT.png beside it; with several videos, a directory of <video name>.report.html and .png",
        };
        var command = new Command("label",
            "Label every decoded frame of recorded video (or every K-th with --frame-skip, between --start and --end). One row per frame in order: frame (0-based index), time (seconds, " +
            "from the video's timestamps), label, score (its probability). The LSTM state carries across the whole video; the " +
            "frame stack starts filled with the first frame. Rows are written as they go and finalised atomically; after a " +
            "break or Ctrl+C what was labelled is kept.")
        {
            videos, model, output, outputDir, format, classes, classesFile, emit, segments, minSegment, annotate, gray.Gray, gray.ExactGray, report,
        };
        var training = new Labeling.TrainingFlags();
        training.AddTo(command);
        var backend = new BackendOptions();
        backend.AddTo(command);
        command.SetAction(async (ParseResult result, CancellationToken cancellationToken) =>
        {
            BackendChoice choice = backend.Resolve(result);
            CpuDeviceOptions cpu = backend.Cpu(result, decodesVideo: true);
            Limits.CheckStreams(result.GetValue(videos)!.Length, "VIDEO: the number of videos");
            LabelRequest request = LabelRequestBuilder.Build(result.GetValue(videos)!, result.GetValue(output), result.GetValue(outputDir),
                result.GetValue(format), result.GetValue(emit), result.GetValue(segments), result.GetValue(minSegment),
                result.GetValue(annotate), result.GetValue(classes), result.GetValue(classesFile), result.GetValue(report));
            // Contradictory gray flags and bad training flags fail before the model is loaded.
            _ = LabelRequestBuilder.ResolveGray(result.GetValue(gray.Gray), result.GetValue(gray.ExactGray));
            training.Validate(result);
            FrameWindow window = training.Window(result);
            ModelLoadOptions loadOptions = training.LoadOptions(result) with { Cpu = cpu };
            // No output may replace an input, another output or a special file: checked before anything is read.
            LabelOutputCheck.Check(request, result.GetValue(model));
            PolicyModel policyModel = PolicyModel.Load(result.GetValue(model)!, loadOptions);
            request = request with
            {
                Gray = ResolveGray(result, gray, policyModel),
                ModelDescription = ModelSummary.Describe(result.GetValue(model)!, policyModel),
                Window = window,
            };
            PreprocessOptions preprocess = training.Apply(ModelFactory.Preprocess(policyModel), result);
            using (PolicyBatchModel policy = ModelFactory.CreateBatchModel(policyModel, choice, Math.Max(request.Videos.Count, LabelRunner.SequenceSteps)))
            {
                TextWriter stderr = result.InvocationConfiguration.Error;
                bool progress = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;
                await LabelRunner.RunAsync(policy, preprocess, request, result.InvocationConfiguration.Output, stderr, progress, cancellationToken);
            }
            return 0;
        });
        return command;
    }
}
