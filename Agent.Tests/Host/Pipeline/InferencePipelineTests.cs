using AgentRnn.Core;
using AgentRnn.Host.Pipeline;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Pipeline;

public class InferencePipelineTests(ITestOutputHelper output)
{
    private const int ObservationSize = 64;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private static async Task<PipelineStats> RunAsync(InferencePipeline pipeline, IReadOnlyList<IFrameSource> sources, IResultSink sink,
        CancellationToken cancellation = default) =>
        await pipeline.RunAsync(sources, sink, cancellation).WaitAsync(Timeout);

    [Fact]
    public async Task RunAsync_SeveralStreams_DeliversEveryFrameInOrderWithEachStreamsOwnState()
    {
        // The model keeps each stream's state by the stream index the pipeline passes: the index is the only thing
        // that keeps the streams apart.
        int[] lengths = [1, 17, 40, 3, 25];
        var sources = lengths.Select((n, s) => new SequenceSource($"s{s}", ObservationSize, seed: s, frames: n)).ToArray();
        var sink = new RecordingSink();
        var model = new HashModel(ObservationSize);
        var pipeline = new InferencePipeline(model, new PipelineOptions { SlotsPerStream = 3, SourceThreads = 2 });

        PipelineStats stats = await RunAsync(pipeline, sources, sink);

        Assert.Equal(lengths.Sum(), stats.Frames);
        for (int s = 0; s < lengths.Length; s++)
        {
            IReadOnlyList<RecordingSink.Row> rows = sink.Of(s);
            float[] expected = sources[s].ExpectedValues(lengths[s]);
            Assert.Equal(Enumerable.Range(0, lengths[s]).Select(i => (long)i), rows.Select(r => r.Index));
            Assert.Equal(expected, rows.Select(r => r.Value));
            Assert.All(rows, r => Assert.Equal(r.Index / 30.0, r.Time));
            Assert.All(rows, r => Assert.Equal(0.8f, r.Score));
            Assert.True(sink.Ends[s].Completed);
            Assert.Equal(lengths[s], sink.Ends[s].Frames);
        }
        output.WriteLine($"steps={stats.Steps} mean batch={stats.MeanBatch:F2}");
    }

    [Fact]
    public async Task RunAsync_SameFramesInDifferentOrderOnTwoStreams_GiveDifferentStates()
    {
        // Stream 0 sees frame patterns A,B,C,D; stream 1 sees D,C,B,A. A shared state would mix them.
        var forward = new SequenceSource("forward", ObservationSize, seed: 0, frames: 4) { SeedOf = i => (int)i + 100 };
        var backward = new SequenceSource("backward", ObservationSize, seed: 0, frames: 4) { SeedOf = i => 103 - (int)i };
        var sink = new RecordingSink();
        var pipeline = new InferencePipeline(new HashModel(ObservationSize));

        await RunAsync(pipeline, [forward, backward], sink);

        float[] forwardValues = sink.Of(0).Select(r => r.Value).ToArray();
        float[] backwardValues = sink.Of(1).Select(r => r.Value).ToArray();
        Assert.Equal(forward.ExpectedValues(4), forwardValues);
        Assert.Equal(backward.ExpectedValues(4), backwardValues);
        Assert.NotEqual(forwardValues[^1], backwardValues[^1]);
    }

    [Fact]
    public async Task RunAsync_SlowModel_BatchesFramesOfManyStreamsIntoOneStep()
    {
        const int streams = 8;
        const int frames = 20;
        var sources = Enumerable.Range(0, streams).Select(s => new SequenceSource($"s{s}", ObservationSize, s, frames)).ToArray();
        var model = new HashModel(ObservationSize) { StepDelay = TimeSpan.FromMilliseconds(5) };
        var sink = new RecordingSink();
        var pipeline = new InferencePipeline(model, new PipelineOptions { MaxBatch = 64, MaxWait = TimeSpan.FromMilliseconds(50) });

        PipelineStats stats = await RunAsync(pipeline, sources, sink);

        output.WriteLine($"steps={model.Steps} max batch={model.MaxBatchSeen} mean batch={stats.MeanBatch:F2}");
        Assert.Equal(streams, model.MaxBatchSeen);
        Assert.True(model.Steps < streams * frames, $"{model.Steps} steps for {streams * frames} frames");
        for (int s = 0; s < streams; s++)
        {
            Assert.Equal(sources[s].ExpectedValues(frames), sink.Of(s).Select(r => r.Value));
        }
    }

    [Fact]
    public async Task RunAsync_MaxBatch_CapsTheBatch()
    {
        var sources = Enumerable.Range(0, 6).Select(s => new SequenceSource($"s{s}", ObservationSize, s, 10)).ToArray();
        var model = new HashModel(ObservationSize) { StepDelay = TimeSpan.FromMilliseconds(2) };
        var pipeline = new InferencePipeline(model, new PipelineOptions { MaxBatch = 4 });

        await RunAsync(pipeline, sources, new RecordingSink());

        Assert.InRange(model.MaxBatchSeen, 1, 4);
    }

    [Fact]
    public async Task RunAsync_SlowSink_SourceNeverRunsMoreThanItsSlotsAhead()
    {
        const int slots = 3;
        var sink = new RecordingSink();
        long worstLead = 0;
        var source = new SequenceSource("s", ObservationSize, 1, 60);
        source.BeforeRead = index => worstLead = Math.Max(worstLead, index - sink.Received);
        sink.OnFrameHook = (_, _) => Thread.Sleep(1);
        var pipeline = new InferencePipeline(new HashModel(ObservationSize), new PipelineOptions { SlotsPerStream = slots });

        await RunAsync(pipeline, [source], sink);

        output.WriteLine($"worst lead of the source over the sink: {worstLead} frames");
        Assert.InRange(worstLead, 0, slots);
        Assert.Equal(60, sink.Of(0).Count);
    }

    [Fact]
    public async Task RunAsync_BlockedSink_StopsTheSourceAtItsSlotCount()
    {
        const int slots = 2;
        using var gate = new ManualResetEventSlim(false);
        var sink = new RecordingSink { OnFrameHook = (_, _) => gate.Wait() };
        var source = new SequenceSource("s", ObservationSize, 1, 100);
        var pipeline = new InferencePipeline(new HashModel(ObservationSize), new PipelineOptions { SlotsPerStream = slots });

        Task<PipelineStats> run = pipeline.RunAsync([source], sink);
        // However long the sink stays blocked, the source cannot read past the frames the slots hold.
        SpinWait.SpinUntil(() => source.Delivered >= slots, Timeout);
        Thread.Sleep(100);
        long delivered = source.Delivered;
        gate.Set();
        await run.WaitAsync(Timeout);

        Assert.Equal(slots, delivered);
        Assert.Equal(100, sink.Of(0).Count);
    }

    [Fact]
    public async Task RunAsync_Cancelled_StopsAndFinalisesEveryStreamInOrder()
    {
        using var cancellation = new CancellationTokenSource();
        var sources = Enumerable.Range(0, 3).Select(s => new SequenceSource($"s{s}", ObservationSize, s, long.MaxValue)).ToArray();
        var sink = new RecordingSink();
        sink.OnFrameHook = (_, _) =>
        {
            if (sink.Received == 50)
            {
                cancellation.Cancel();
            }
        };
        var pipeline = new InferencePipeline(new HashModel(ObservationSize));

        PipelineStats stats = await RunAsync(pipeline, sources, sink, cancellation.Token);

        Assert.InRange(stats.Frames, 50, 50 + 3 * new PipelineOptions().SlotsPerStream);
        for (int s = 0; s < 3; s++)
        {
            Assert.True(sink.Ends[s].Cancelled);
            IReadOnlyList<RecordingSink.Row> rows = sink.Of(s);
            Assert.Equal(rows.Count, sink.Ends[s].Frames);
            Assert.Equal(sources[s].ExpectedValues(rows.Count), rows.Select(r => r.Value));
        }
    }

    [Fact]
    public async Task RunAsync_StreamBreaksMidway_KeepsEarlierFramesAndReportsTheError()
    {
        var broken = new SequenceSource("broken.mp4", ObservationSize, 1, frames: 50, breakAt: 7);
        var healthy = new SequenceSource("healthy.mp4", ObservationSize, 2, frames: 30);
        var sink = new RecordingSink();
        var pipeline = new InferencePipeline(new HashModel(ObservationSize));

        PipelineStats stats = await RunAsync(pipeline, [broken, healthy], sink);

        Assert.Equal(7, sink.Of(0).Count);
        Assert.Equal(broken.ExpectedValues(7), sink.Of(0).Select(r => r.Value));
        AgentException error = Assert.IsType<AgentException>(sink.Ends[0].Error);
        Assert.Contains("frame 7", error.Message);
        Assert.Equal(7, stats.Ends[0].Frames);
        Assert.True(sink.Ends[1].Completed);
        Assert.Equal(30, sink.Of(1).Count);
    }

    [Fact]
    public async Task RunAsync_ModelThrows_FaultsTheRunWithoutHanging()
    {
        var model = new HashModel(ObservationSize) { Failure = new InvalidDataException("model broke") };
        var pipeline = new InferencePipeline(model);
        var sources = Enumerable.Range(0, 3).Select(s => new SequenceSource($"s{s}", ObservationSize, s, 1000)).ToArray();

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => RunAsync(pipeline, sources, new RecordingSink()));

        Assert.Equal("model broke", error.Message);
    }

    [Fact]
    public async Task RunAsync_SinkThrows_FaultsTheRunWithoutHanging()
    {
        var sink = new RecordingSink { OnFrameHook = (_, index) => { if (index == 5) throw new IOException("disk full"); } };
        var pipeline = new InferencePipeline(new HashModel(ObservationSize));
        var sources = Enumerable.Range(0, 2).Select(s => new SequenceSource($"s{s}", ObservationSize, s, 1000)).ToArray();

        var error = await Assert.ThrowsAsync<IOException>(() => RunAsync(pipeline, sources, sink));

        Assert.Equal("disk full", error.Message);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(16, 1)]
    [InlineData(16, 40)]
    [InlineData(5, 23)]
    public async Task RunAsync_SequenceSteps_OneStreamSteppedInRunsOfThatManyFramesWithTheSameResults(int steps, int frames)
    {
        var source = new SequenceSource("video", ObservationSize, seed: 4, frames: frames);
        var sink = new RecordingSink();
        var model = new SequenceHashModel(ObservationSize);
        var pipeline = new InferencePipeline(model, new PipelineOptions { SequenceSteps = steps });

        PipelineStats stats = await RunAsync(pipeline, [source], sink);

        Assert.Equal(frames, stats.Frames);
        Assert.Equal(Enumerable.Range(0, frames).Select(i => (long)i), sink.Of(0).Select(r => r.Index));
        Assert.Equal(source.ExpectedValues(frames), sink.Of(0).Select(r => r.Value));
        Assert.True(sink.Ends[0].Completed);
        if (steps > 1)
        {
            // Full runs of `steps` frames, then what is left when the stream ends.
            int[] expected = Enumerable.Repeat(steps, frames / steps).Concat(frames % steps > 0 ? [frames % steps] : []).ToArray();
            Assert.Equal(expected, model.Sequences);
            Assert.Equal(expected.Length, stats.Steps);
        }
        else
        {
            Assert.Empty(model.Sequences);
        }
    }

    [Fact]
    public async Task RunAsync_SequenceStepsWithSeveralStreams_BatchesAcrossStreamsInstead()
    {
        var sources = Enumerable.Range(0, 3).Select(s => new SequenceSource($"s{s}", ObservationSize, s, 20)).ToArray();
        var sink = new RecordingSink();
        var model = new SequenceHashModel(ObservationSize);
        var pipeline = new InferencePipeline(model, new PipelineOptions { SequenceSteps = 8 });

        await RunAsync(pipeline, sources, sink);

        Assert.Empty(model.Sequences);
        for (int s = 0; s < 3; s++)
        {
            Assert.Equal(sources[s].ExpectedValues(20), sink.Of(s).Select(r => r.Value));
        }
    }

    [Fact]
    public async Task RunAsync_SequenceStepsCancelled_KeepsEveryFrameReadAndEndsTheStream()
    {
        using var cancellation = new CancellationTokenSource();
        var source = new SequenceSource("live", ObservationSize, 2, long.MaxValue);
        var sink = new RecordingSink();
        sink.OnFrameHook = (_, _) =>
        {
            if (sink.Received == 40)
            {
                cancellation.Cancel();
            }
        };
        var pipeline = new InferencePipeline(new SequenceHashModel(ObservationSize), new PipelineOptions { SequenceSteps = 16 });

        PipelineStats stats = await RunAsync(pipeline, [source], sink, cancellation.Token);

        Assert.True(sink.Ends[0].Cancelled);
        Assert.InRange(stats.Frames, 40, 40 + 2 * 16);
        Assert.Equal(source.ExpectedValues(sink.Of(0).Count), sink.Of(0).Select(r => r.Value));
    }

    [Fact]
    public async Task RunAsync_SequenceStepsSlowSink_SourceStaysWithinTwiceTheSequence()
    {
        var source = new SequenceSource("video", ObservationSize, 3, 200);
        var sink = new RecordingSink();
        long maxAhead = 0;
        source.BeforeRead = index => maxAhead = Math.Max(maxAhead, index - sink.Received);
        sink.OnFrameHook = (_, _) => Thread.Sleep(1);
        var pipeline = new InferencePipeline(new SequenceHashModel(ObservationSize), new PipelineOptions { SequenceSteps = 8 });

        await RunAsync(pipeline, [source], sink);

        Assert.Equal(200, sink.Of(0).Count);
        Assert.InRange(maxAhead, 8 - 1, 2 * 8);
    }

    [Fact]
    public void PipelineOptions_SequenceStepsBelowOne_IsRejected()
    {
        Assert.Throws<ArgumentException>(() => new InferencePipeline(new HashModel(ObservationSize), new PipelineOptions { SequenceSteps = 0 }));
    }

    [Fact]
    public void RunAsync_SourceObservationSizeDiffersFromModel_Throws()
    {
        var pipeline = new InferencePipeline(new HashModel(ObservationSize));
        var source = new SequenceSource("odd", ObservationSize + 1, 1, 10);

        var error = Assert.Throws<ArgumentException>(() => { _ = pipeline.RunAsync([source], new RecordingSink()); });

        Assert.Contains("odd", error.Message);
    }
}
