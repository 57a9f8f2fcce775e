using AgentRnn.Core;
using AgentRnn.Host.Pipeline;
using AgentRnn.Vision;
using Spectre.Console;

namespace AgentRnn.Cli.Labeling;

/// <summary>
/// `agent label` after the command line is parsed: opens every output before decoding, labels all videos as parallel
/// streams of one pipeline, finalises each output as its stream ends, then writes annotated copies and reports.
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
        var annotators = new Annotator?[request.Videos.Count];
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
                    VideoFrameSource source = VideoFrameSource.Open(request.Videos[v], preprocess, gray: request.Gray ?? GrayConversion.CvtColor);
                    sources.Add(source);
                    if (request.Annotate[v] is string annotatePath)
                    {
                        annotators[v] = Annotator.Create(request.Videos[v], annotatePath, source.Video.Width, source.Video.Height, source.Video.Fps);
                    }
                }
            }
            catch
            {
                // Nothing was labelled: leave no partial files behind.
                targets.ForEach(t => t.Discard());
                Array.ForEach(annotators, a => a?.Discard());
                reports?.Discard();
                throw;
            }

            IResultSink sink = reports.Wrap(new LabelSink(targets));
            var pipeline = new InferencePipeline(model, new PipelineOptions { MaxBatch = Math.Max(1, sources.Count), SequenceSteps = SequenceSteps });
            Task<PipelineStats> run = pipeline.RunAsync(sources, sink, stop.Token);
            PipelineStats stats = showProgress ? await WithProgressAsync(run, pipeline, sources, stderr) : await run;

            // The annotated copies stop at a signal too (closed playable at the frame reached, or removed when none was
            // written); a closed stdout does not stop them: they cover the frames that were labelled.
            var annotated = new List<string>();
            for (int v = 0; v < annotators.Length; v++)
            {
                if (annotators[v] is Annotator annotator)
                {
                    int labelled = targets[v].Annotations.Count;
                    int written = annotator.Write(targets[v].Annotations, classes, cancellationToken);
                    annotated.Add(written == 0 && labelled > 0
                        ? $"annotated copy {annotator.Path} removed (stopped before its first frame)"
                        : $"annotated copy {annotator.Path} closed with {written} of {labelled} frames");
                }
            }
            IReadOnlyList<string> reported = reports.Write(request, sources, classes);
            bool stopped = cancellationToken.IsCancellationRequested || targets.Any(t => t.Rows is RowOutput.Text { Broken: true });
            if (reported.Count > 0 && !stopped)
            {
                stderr.WriteLine($"label: report written: {string.Join(", ", reported)}");
            }
            ReportEnds(stats, targets, cancellationToken, annotated, reported);
        }
        finally
        {
            targets.ForEach(t => t.Dispose());
            sources.ForEach(s => s.Dispose());
            Array.ForEach(annotators, a => a?.Dispose());
            reports?.Dispose();
        }
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
            return new LabelTarget(request.Videos[v], rows, formatter, classes, segments, request.MinSegment,
                keepAnnotations: request.Annotate[v] is not null);
        }
        catch
        {
            rows.Discard();
            segments?.Discard();
            throw;
        }
    }

    private static void ReportEnds(PipelineStats stats, IReadOnlyList<LabelTarget> targets, CancellationToken signal,
        IReadOnlyList<string> annotated, IReadOnlyList<string> reported)
    {
        var failures = new List<string>();
        bool cancelled = false;
        foreach (StreamEnd end in stats.Ends)
        {
            LabelTarget target = targets[end.Stream];
            string kept = $"{end.Frames} frame{(end.Frames == 1 ? "" : "s")} labelled and written to {target.Rows.Name}";
            if (end.Error is not null)
            {
                string message = end.Error is AgentException ? end.Error.Message : $"{target.Video}: {end.Error.Message}";
                failures.Add($"{message} ({kept})");
            }
            cancelled |= end.Cancelled;
        }
        if (failures.Count > 0)
        {
            throw new AgentException(string.Join("; ", failures));
        }
        IEnumerable<string> others = annotated.Concat(reported.Count > 0 ? [$"report written: {string.Join(", ", reported)}"] : []);
        if (targets.FirstOrDefault(t => t.Rows is RowOutput.Text { Broken: true }) is LabelTarget closed && !signal.IsCancellationRequested)
        {
            string finalised = string.Join("; ", targets.Where(t => t != closed).Select(t => $"{Frames(t.Frames)} to {t.Rows.Name}").Concat(others));
            throw new StdoutClosedException($"stdout was closed by its reader (broken pipe): label stopped after {Frames(stats.Frames)}, " +
                (finalised.Length > 0 ? $"finalised: {finalised}" : "every output it wrote finalised"));
        }
        if (cancelled || signal.IsCancellationRequested)
        {
            string written = string.Join(", ", targets.Select(t => $"{Frames(t.Frames)} to {t.Rows.Name}"));
            throw new CommandInterruptedException(string.Join("; ", new[] { $"labels written: {written}" }.Concat(others)));
        }
    }

    private static string Frames(long count) => count == 1 ? "1 frame" : $"{count} frames";

    private static async Task<PipelineStats> WithProgressAsync(Task<PipelineStats> run, InferencePipeline pipeline,
        IReadOnlyList<VideoFrameSource> sources, TextWriter stderr)
    {
        long total = sources.Sum(s => (long)(s.Video.DeclaredFrameCount ?? 0));
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
