using System.Diagnostics;
using AgentRnn.Vision;
using Orleans;
using Orleans.Runtime;

namespace AgentRnn.Orleans;

/// <summary>What <see cref="ClusterBench.RunAsync"/> measured.</summary>
/// <param name="Agents">Agents driven.</param>
/// <param name="Steps">Steps per agent.</param>
/// <param name="Seconds">Wall time of the run.</param>
/// <param name="StateErrors">Agents with at least one action that differs from the in-process reference.</param>
/// <param name="Retries">Act calls sent again: after a failure (same step) or a lost step (resent from the last persisted one).</param>
/// <param name="MeanBatch">Mean agents per silo model step, over the steps the run's acts were in.</param>
/// <param name="ActP50Ms">Median Act round trip, ms.</param>
/// <param name="ActP99Ms">99th percentile Act round trip, ms.</param>
public sealed record ClusterBenchResult(int Agents, int Steps, double Seconds, int StateErrors, long Retries, double MeanBatch, double ActP50Ms, double ActP99Ms)
{
    /// <summary>Agent steps per second.</summary>
    public double Fps => Seconds > 0 ? (double)Agents * Steps / Seconds : 0;
}

/// <summary>
/// Drives agents through the cluster, each with its own deterministic stream of synthetic frames, and checks every
/// greedy action against the same model stepped in-process. Survives silo failures: a failed call is sent again with
/// the same step (Act is idempotent per step), and a lost step (<see cref="AgentStepException"/>) is resent from the
/// last persisted one.
/// </summary>
public sealed class ClusterBench
{
    private readonly IGrainFactory _grains;

    /// <summary>A bench over the cluster's grains.</summary>
    public ClusterBench(IGrainFactory grains) => _grains = grains;

    /// <summary>Frame width (gray pixels). Default 84.</summary>
    public int FrameWidth { get; init; } = 84;

    /// <summary>Frame height. Default 84.</summary>
    public int FrameHeight { get; init; } = 84;

    /// <summary>The first agent id; agents are FirstAgent .. FirstAgent + agents - 1.</summary>
    public int FirstAgent { get; init; }

    /// <summary>How long one agent keeps retrying a failing step before the run fails. Default 120 s.</summary>
    public TimeSpan RetryFor { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Called once per step, after every agent has done that step (tests kill a silo from here).</summary>
    public Func<int, Task>? OnStep { get; init; }

    /// <summary>The deterministic frame of an agent at a step: a gray ramp plus a moving bright square, per agent.</summary>
    public static void Synthesize(int agentId, long step, Span<byte> pixels, int width, int height)
    {
        uint seed = (uint)agentId * 2654435761u ^ (uint)step * 40503u;
        int cx = (int)((uint)(agentId * 7 + step * 3) % (uint)Math.Max(1, width - 8));
        int cy = (int)((uint)(agentId * 13 + step * 5) % (uint)Math.Max(1, height - 8));
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                seed = seed * 1664525u + 1013904223u;
                bool square = x >= cx && x < cx + 8 && y >= cy && y < cy + 8;
                pixels[y * width + x] = square ? (byte)(200 + (seed >> 29)) : (byte)(((x + y + step) * 2 + (seed >> 28)) & 0x7F);
            }
        }
    }

    /// <summary>The frame <see cref="Synthesize"/> draws, as an <see cref="AgentFrame"/>.</summary>
    public AgentFrame Frame(int agentId, long step)
    {
        byte[] pixels = new byte[FrameWidth * FrameHeight];
        Synthesize(agentId, step, pixels, FrameWidth, FrameHeight);
        return AgentFrame.Packed(pixels, FrameWidth, FrameHeight, PixelFormat.Gray);
    }

    /// <summary>The reference: the same agents stepped in-process in one batch per step; actions[agent][step].</summary>
    public int[][] Reference(IAgentModel model, int agents, int steps)
    {
        var actions = new int[agents][];
        for (int a = 0; a < agents; a++)
        {
            actions[a] = new int[steps];
        }
        byte[] pixels = new byte[FrameWidth * FrameHeight];
        Span<float> none = [];
        for (int s = 0; s < steps; s++)
        {
            for (int a = 0; a < agents; a++)
            {
                Synthesize(FirstAgent + a, s, pixels, FrameWidth, FrameHeight);
                model.Observe(FirstAgent + a, new GameFrame(pixels, FrameWidth, FrameHeight, PixelFormat.Gray));
            }
            model.Step();
            for (int a = 0; a < agents; a++)
            {
                actions[a][s] = model.Decision(FirstAgent + a, out _, none);
            }
        }
        return actions;
    }

    /// <summary>Runs the agents through the cluster and compares with <paramref name="reference"/>.</summary>
    public async Task<ClusterBenchResult> RunAsync(int agents, int steps, int[][] reference, CancellationToken cancellationToken = default)
    {
        var actions = new int[agents][];
        var latencies = new long[agents * steps];
        long latencyCount = 0;
        long retries = 0;
        double inverseBatches = 0;
        long fresh = 0;
        object gate = new();
        var barrier = OnStep is null ? null : new StepBarrier(agents, OnStep);
        var clock = Stopwatch.StartNew();

        async Task Drive(int index)
        {
            int agentId = FirstAgent + index;
            IAgentGrain grain = _grains.GetGrain<IAgentGrain>(agentId);
            int[] mine = actions[index] = new int[steps];
            double myInverse = 0;
            long myFresh = 0;
            long step = 0;
            long done = -1;
            while (step < steps)
            {
                AgentFrame frame = Frame(agentId, step);
                long failingSince = 0;
                while (true)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    long start = Stopwatch.GetTimestamp();
                    try
                    {
                        AgentAction result = await grain.Act(frame, step);
                        long elapsed = Stopwatch.GetTimestamp() - start;
                        long slot = Interlocked.Increment(ref latencyCount) - 1;
                        if (slot < latencies.Length)
                        {
                            latencies[slot] = elapsed;
                        }
                        mine[step] = result.Action;
                        if (!result.Replayed && result.BatchSize > 0)
                        {
                            myInverse += 1.0 / result.BatchSize;
                            myFresh++;
                        }
                        break;
                    }
                    catch (AgentStepException e) when (e.LastStep < step)
                    {
                        // The silo that held this agent died before persisting its last steps: resend from there.
                        Interlocked.Increment(ref retries);
                        step = e.LastStep + 1;
                        frame = Frame(agentId, step);
                    }
                    catch (Exception e) when (IsTransient(e))
                    {
                        Interlocked.Increment(ref retries);
                        failingSince = failingSince == 0 ? start : failingSince;
                        if (Stopwatch.GetElapsedTime(failingSince) > RetryFor)
                        {
                            throw new TimeoutException($"agent {agentId}: step {step} still failing after {RetryFor.TotalSeconds:0} s: {e.Message}", e);
                        }
                        await Task.Delay(50, cancellationToken);
                    }
                }
                if (step > done)
                {
                    done = step;
                    if (barrier is not null)
                    {
                        await barrier.ArriveAsync(step);
                    }
                }
                step++;
            }
            lock (gate)
            {
                inverseBatches += myInverse;
                fresh += myFresh;
            }
        }

        var tasks = new Task[agents];
        for (int a = 0; a < agents; a++)
        {
            int index = a;
            tasks[a] = Task.Run(() => Drive(index), cancellationToken);
        }
        await Task.WhenAll(tasks);
        clock.Stop();

        int errors = 0;
        for (int a = 0; a < agents; a++)
        {
            if (!actions[a].AsSpan().SequenceEqual(reference[a]))
            {
                errors++;
            }
        }
        int n = (int)Math.Min(latencyCount, latencies.Length);
        Array.Sort(latencies, 0, n);
        double ms(double q) => n == 0 ? 0 : latencies[Math.Min(n - 1, (int)(q * n))] * 1000.0 / Stopwatch.Frequency;
        return new ClusterBenchResult(agents, steps, clock.Elapsed.TotalSeconds, errors, retries,
            inverseBatches > 0 ? fresh / inverseBatches : 0, ms(0.50), ms(0.99));
    }

    /// <summary>Failures a retry of the same step can get past: a dead or unreachable silo, a timeout, a rejected message.</summary>
    public static bool IsTransient(Exception e) => e is TimeoutException or OrleansException or ObjectDisposedException or IOException;

    /// <summary>Calls back once per step, when every agent has completed it (the first time).</summary>
    private sealed class StepBarrier(int agents, Func<int, Task> onStep)
    {
        private readonly Dictionary<long, int> _arrived = [];

        public Task ArriveAsync(long step)
        {
            lock (_arrived)
            {
                int count = _arrived.GetValueOrDefault(step) + 1;
                _arrived[step] = count;
                if (count != agents)
                {
                    return Task.CompletedTask;
                }
            }
            return onStep((int)step);
        }
    }
}
