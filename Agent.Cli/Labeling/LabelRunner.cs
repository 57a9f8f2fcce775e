using AgentRnn.Core;
using AgentRnn.Host.Pipeline;
using AgentRnn.Vision;
using Spectre.Console;

namespace AgentRnn.Cli.Labeling;

/// <summary>
/// `agent label` after the command line is parsed: opens every output before decoding, labels all videos as parallel
/// streams of one pipeline, writes each annotated copy in the same pass (the sink draws on the decoded frame the
/// source kept), finalises each output as its stream ends, then writes the reports and one summary line.
/// </summary>
internal static class LabelRunner
{
    /// <summary>
    /// Frames of a single video stepped per model call (<see cref="PipelineOptions.SequenceSteps"/>). Label is offline,
    /// so it trades latency for throughput: the encoder's weights (6.4 MB for NatureCNN's 3136→512 layer) are read once
    /// per 32 frames instead of once per frame, while the decoder's frames crowd them out of the cache (BENCHMARKS.md).
    /// Several videos are batched across streams instead.
    /// </summary>
    public const int SequenceSteps = 32;

    /// <summary>
    /// Labels the request's videos with <paramref name="model"/>, each video preprocessed with
    /// <paramref name="preprocess"/>. Throws an <see cref="AgentException"/> (one line naming the file, the frame where
    /// decoding stopped and what was written) when a video breaks; what was labelled is kept either way.
    /// </summary>
    public static async Task RunAsync(IBatchModel model, PreprocessOptions preprocess, LabelRequest request,
        TextWriter stdout, TextWriter stderr, bool showProgress, CancellationToken cancellationToken)
    {
        ClassNames classes = ClassNames.Resolve(request.Classes, request.ClassesFile, model.ActionCount);
        var formatter = new RowFormatter(request.Format, classes, request.EmitProbs, request.EmitValue);
        var targets = new List<LabelTarget>();
        var sources = new List<VideoFrameSource>();
        LabelReports? reports = null;
        // Stopped by the caller's token (a signal) or by stdout's reader going away (a broken pipe).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            try
            {
                // Outputs first: an unwritable path fails before any video is decoded.
                for (int v = 0; v < request.Videos.Count; v++)
                {
                    targets.Add(CreateTarget(request, v, stdout, formatter, classes, stop));
                }
                reports = LabelReports.Open(request, model.ActionCount);
                for (int v = 0; v < request.Videos.Count; v++)
                {
                    LabelTarget target = targets[v];
                    Func<VideoSource, FrameRing>? keep = request.Annotate[v] is not string annotatePath ? null : video =>
                    {
                        target.Annotator = Annotator.Create(video.Path, annotatePath, video.Width, video.Height,
                            video.Fps / Math.Max(1, preprocess.FrameSkip), RingFrames(video.Width, video.Height));
                        return target.Annotator.Ring;
                    };
                    sources.Add(VideoFrameSource.Open(request.Videos[v], preprocess, gray: request.Gray ?? GrayConversion.CvtColor,
                        window: request.Window, keep: keep));
                    if (target.Annotator is { Codec.Why: string why } annotator)
                    {
                        stderr.WriteLine($"label: {annotator.Path}: {annotator.Codec.Name} ({annotator.Codec.FourCc}): {why}");
                    }
                }
            }
            catch
            {
                // Nothing was labelled: leave no partial files behind.
                targets.ForEach(t => t.Discard());
                reports?.Discard();
                throw;
            }

            IResultSink sink = reports.Wrap(new LabelSink(targets));
            var pipeline = new InferencePipeline(model, new PipelineOptions { MaxBatch = Math.Max(1, sources.Count), SequenceSteps = SequenceSteps });
            Task<PipelineStats> run = pipeline.RunAsync(sources, sink, stop.Token);
            PipelineStats stats = showProgress ? await WithProgressAsync(run, pipeline, sources, stderr) : await run;

            // The annotated copies were written in the same pass: each closed playable at the frame reached.
            IReadOnlyList<string> reported = reports.Write(request, sources, classes);
            ReportEnds(stats, targets, cancellationToken, reported, stderr);
        }
        finally
        {
            targets.ForEach(t => t.Dispose());
            sources.ForEach(s => s.Dispose());
            reports?.Dispose();
        }
    }

    /// <summary>
    /// Frames an annotated video's source may keep ahead of the writer: the frames the pipeline can have in flight for
    /// one stream (two model calls of <see cref="SequenceSteps"/>) and two more, so decoding never waits on a full
    /// ring; fewer (but at least one model call's worth) where that would pass 256 MB.
    /// </summary>
    internal static int RingFrames(int width, int height)
    {
        long frameBytes = (long)width * (height + InfoStrip.Rows(width, height)) * 3;
        long affordable = 256L * 1024 * 1024 / Math.Max(1, frameBytes);
        return (int)Math.Clamp(affordable, SequenceSteps + 2, 2 * SequenceSteps + 2);
    }

    private static LabelTarget CreateTarget(LabelRequest request, int v, TextWriter stdout, RowFormatter formatter, ClassNames classes,
        CancellationTokenSource stop)
    {
        RowOutput rows = request.Rows[v] is string rowsPath
            ? new RowOutput.File(AtomicFile.Create(rowsPath))
            : new RowOutput.Text(stdout, onBroken: stop.Cancel);
        AtomicFile? segments = null;
        try
        {
            segments = request.Segments[v] is string segmentsPath ? AtomicFile.Create(segmentsPath) : null;
            return new LabelTarget(request.Videos[v], rows, formatter, classes, segments, request.MinSegment);
        }
        catch
        {
            rows.Discard();
            segments?.Discard();
            throw;
        }
    }

    private static void ReportEnds(PipelineStats stats, IReadOnlyList<LabelTarget> targets, CancellationToken signal,
        IReadOnlyList<string> reported, TextWriter stderr)
    {
        var failures = new List<string>();
        bool cancelled = false;
        foreach (StreamEnd end in stats.Ends)
        {
            LabelTarget target = targets[end.Stream];
            string kept = $"{end.Frames} frame{(end.Frames == 1 ? "" : "s")} labelled and written to {target.Rows.Name}";
            if (target.Annotator is Annotator annotator)
            {
                kept += target.Annotated ? $" and {annotator.Path}" : $"; {annotator.Path} not written (no frame)";
            }
            if (end.Error is not null)
            {
                string message = end.Error is AgentException ? end.Error.Message : $"{target.Video}: {end.Error.Message}";
                failures.Add($"{message} ({kept})");
            }
            cancelled |= end.Cancelled;
        }
        if (failures.Count > 0)
        {
            string reports = reported.Count > 0 ? $"; report written: {string.Join(", ", reported)}" : "";
            throw new AgentException(string.Join("; ", failures) + reports);
        }
        string written = string.Join(", ", Outputs(targets).Concat(reported));
        string rate = $"{Frames(stats.Frames)} in {stats.Wall.TotalSeconds:0.0} s ({stats.Fps:0} fps)";
        if (targets.FirstOrDefault(t => t.Rows is RowOutput.Text { Broken: true }) is not null && !signal.IsCancellationRequested)
        {
            throw new StdoutClosedException($"stdout was closed by its reader (broken pipe): label stopped after {rate}; finalised: {written}");
        }
        if (cancelled || signal.IsCancellationRequested)
        {
            throw new CommandInterruptedException($"label stopped after {rate}; kept: {written}");
        }
        stderr.WriteLine($"label: {rate}; wrote {written}");
    }

    // Each output a target wrote, in words: its rows, segments and annotated copy (with its codec).
    private static IEnumerable<string> Outputs(IReadOnlyList<LabelTarget> targets)
    {
        foreach (LabelTarget target in targets)
        {
            yield return target.Rows is RowOutput.Text ? "rows on stdout" : target.Rows.Name;
            if (target.SegmentsPath is string segments)
            {
                yield return segments;
            }
            if (target.Annotator is Annotator annotator && target.Annotated)
            {
                yield return $"{annotator.Path} ({annotator.Codec.Name}, {annotator.Frames} frames)";
            }
        }
    }

    private static string Frames(long count) => count == 1 ? "1 frame" : $"{count} frames";

    private static async Task<PipelineStats> WithProgressAsync(Task<PipelineStats> run, InferencePipeline pipeline,
        IReadOnlyList<VideoFrameSource> sources, TextWriter stderr)
    {
        long total = sources.Sum(s => s.ExpectedFrames ?? 0);
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stderr) });
        await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new FramesColumn(),
                new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                ProgressTask task = context.AddTask("label", maxValue: Math.Max(1, total));
                task.IsIndeterminate = total == 0;
                while (!run.IsCompleted)
                {
                    task.Value = pipeline.FramesCompleted;
                    await Task.WhenAny(run, Task.Delay(100));
                }
                task.Value = pipeline.FramesCompleted;
            });
        return await run;
    }
}
