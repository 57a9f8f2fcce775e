using System.Threading.Channels;

namespace AgentRnn.Host.Pipeline;

/// <summary>
/// The inference thread's batch under construction: at most one frame per stream, because a stream's frames must be
/// stepped in order. A token for a stream already in the batch (or with older tokens waiting) waits in that
/// stream's preallocated ring; an end token passes to the sink once all of its stream's frames have.
/// </summary>
internal sealed class Batcher
{
    private readonly int _ringSize;
    private readonly int _maxBatch;
    private readonly FrameToken[] _batch;
    private readonly bool[] _inBatch;
    private readonly FrameToken[] _rings;
    private readonly int[] _heads;
    private readonly int[] _counts;
    private int _pending;

    /// <param name="streams">Number of streams.</param>
    /// <param name="ringSize">Most tokens a stream can have in flight (its slots plus its end token).</param>
    /// <param name="maxBatch">Largest batch.</param>
    public Batcher(int streams, int ringSize, int maxBatch)
    {
        _ringSize = ringSize;
        _maxBatch = maxBatch;
        _batch = new FrameToken[maxBatch];
        _inBatch = new bool[streams];
        _rings = new FrameToken[streams * ringSize];
        _heads = new int[streams];
        _counts = new int[streams];
        ActiveStreams = streams;
    }

    /// <summary>Streams whose end token has not yet passed.</summary>
    public int ActiveStreams { get; private set; }

    /// <summary>Frames in the batch.</summary>
    public int Count { get; private set; }

    /// <summary>True when the batch holds the most frames it may.</summary>
    public bool IsFull => Count >= _maxBatch;

    /// <summary>The b-th frame of the batch.</summary>
    public FrameToken this[int b] => _batch[b];

    /// <summary>Empties the batch and admits each stream's oldest waiting token.</summary>
    public void BeginBatch(ChannelWriter<FrameToken> done)
    {
        for (int b = 0; b < Count; b++)
        {
            _inBatch[_batch[b].Stream] = false;
        }
        Count = 0;
        for (int s = 0; _pending > 0 && s < _counts.Length; s++)
        {
            while (_counts[s] > 0 && !_inBatch[s] && !IsFull)
            {
                FrameToken token = _rings[s * _ringSize + _heads[s]];
                _heads[s] = (_heads[s] + 1) % _ringSize;
                _counts[s]--;
                _pending--;
                Take(token, done);
            }
        }
    }

    /// <summary>Admits a token from the channel: into the batch, into its stream's ring, or (an end) on to the sink.</summary>
    public void Admit(FrameToken token, ChannelWriter<FrameToken> done)
    {
        int s = token.Stream;
        if (_inBatch[s] || _counts[s] > 0)
        {
            if (_counts[s] == _ringSize)
            {
                throw new InvalidOperationException($"stream {s} has more tokens in flight than slots");
            }
            _rings[s * _ringSize + (_heads[s] + _counts[s]) % _ringSize] = token;
            _counts[s]++;
            _pending++;
            return;
        }
        Take(token, done);
    }

    private void Take(FrameToken token, ChannelWriter<FrameToken> done)
    {
        if (token.IsEnd)
        {
            if (!done.TryWrite(token))
            {
                throw new InvalidOperationException("the sink channel refused an end token");
            }
            ActiveStreams--;
            return;
        }
        _batch[Count++] = token;
        _inBatch[token.Stream] = true;
    }
}
