using AgentRnn.Host.Pipeline;

namespace AgentRnn.Tests.Host.Pipeline;

/// <summary>
/// A tiny recurrent "model" for pipeline tests: its state is a running hash of every frame it has seen on a stream,
/// so the result of a frame depends on that stream's whole history in order. Hash values stay below 2^24, exact in float.
/// Like every batch model it keeps each stream's hash itself, keyed by the stream index the pipeline passes, and
/// refuses a step whose rows repeat a stream.
/// </summary>
internal sealed class HashModel : IBatchModel
{
    public const int Modulus = 65521;

    private const int MaxStreams = 64;

    private readonly int[] _byStream = new int[MaxStreams];

    public HashModel(int observationSize, int actions = 3)
    {
        ObservationSize = observationSize;
        ActionCount = actions;
    }

    public int ObservationSize { get; }

    public int ActionCount { get; }

    /// <summary>Largest batch stepped so far.</summary>
    public int MaxBatchSeen { get; private set; }

    /// <summary>Number of Step calls.</summary>
    public int Steps { get; private set; }

    /// <summary>When set, Step throws this.</summary>
    public Exception? Failure { get; set; }

    /// <summary>Sleeps this long in each step to stand for a slow model.</summary>
    public TimeSpan StepDelay { get; set; }

    public static int FrameHash(ReadOnlySpan<byte> frame)
    {
        long h = 0;
        for (int i = 0; i < frame.Length; i++)
        {
            h = (h + (long)(i + 1) * frame[i]) % Modulus;
        }
        return (int)h;
    }

    public static int Next(int hash, int frameHash) => (int)(((long)hash * 31 + frameHash + 1) % Modulus);

    public void Step(ReadOnlySpan<byte> frames, ReadOnlySpan<int> streams, ReadOnlySpan<float> episodeStarts,
        Span<float> probs, Span<float> values, Span<int> actions, int batch)
    {
        if (Failure is not null)
        {
            throw Failure;
        }
        if (StepDelay > TimeSpan.Zero)
        {
            Thread.Sleep(StepDelay);
        }
        Steps++;
        MaxBatchSeen = Math.Max(MaxBatchSeen, batch);
        for (int b = 0; b < batch; b++)
        {
            int stream = streams[b];
            if (streams.Slice(0, b).Contains(stream))
            {
                throw new InvalidOperationException($"stream {stream} appears twice in one batch");
            }
            if (episodeStarts[b] != 0)
            {
                _byStream[stream] = 0;
            }
            int previous = _byStream[stream];
            int h = Next(previous, FrameHash(frames.Slice(b * ObservationSize, ObservationSize)));
            _byStream[stream] = h;
            int action = h % ActionCount;
            Span<float> p = probs.Slice(b * ActionCount, ActionCount);
            p.Fill(0.2f / (ActionCount - 1));
            p[action] = 0.8f;
            values[b] = h;
            actions[b] = action;
        }
    }
}
