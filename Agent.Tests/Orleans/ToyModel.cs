using System.Buffers.Binary;
using AgentRnn.Core;
using AgentRnn.Orleans;
using AgentRnn.Vision;

namespace AgentRnn.Tests.Orleans;

/// <summary>
/// A small deterministic recurrent model for the grain tests: a 4-float state per agent updated from each frame's mean
/// and a few pixels, 3 actions from the state. The action depends on the whole frame history, so a lost, repeated or
/// reordered step shows in the actions.
/// </summary>
internal sealed class ToyModel : IAgentModel
{
    private const int Hidden = 4;
    private readonly Dictionary<int, float[]> _state = [];
    private readonly Dictionary<int, float> _pending = [];
    private readonly Dictionary<int, (int Action, float Value, float[] Probabilities)> _decisions = [];

    public ToyModel(string fingerprint = "toy-1") => Fingerprint = fingerprint;

    public string Fingerprint { get; }

    public int ActionCount => 3;

    public int Steps { get; private set; }

    public void Observe(int agentId, in GameFrame frame)
    {
        if (frame.Format != PixelFormat.Gray)
        {
            throw new AgentException("toy model: gray frames only");
        }
        double sum = 0;
        for (int y = 0; y < frame.Height; y++)
        {
            ReadOnlySpan<byte> row = frame.Pixels.Slice(y * frame.Stride, frame.Width);
            for (int x = 0; x < row.Length; x++)
            {
                sum += row[x] * (1 + ((x + y) & 3));
            }
        }
        _pending[agentId] = (float)(sum / (frame.Width * frame.Height * 255.0));
    }

    public void Step()
    {
        Steps++;
        foreach ((int agent, float x) in _pending)
        {
            float[] h = State(agent);
            for (int i = 0; i < Hidden; i++)
            {
                h[i] = MathF.Tanh(0.8f * h[i] + (i + 1) * 1.7f * x - 0.35f * h[(i + 1) % Hidden] - 0.9f);
            }
            float[] logits = [h[0] - h[1], h[1] - h[2] + 0.1f, h[2] + h[3] - h[0]];
            float max = logits.Max();
            float[] p = logits.Select(l => MathF.Exp(l - max)).ToArray();
            float total = p.Sum();
            int action = 0;
            for (int a = 0; a < p.Length; a++)
            {
                p[a] /= total;
                if (p[a] > p[action])
                {
                    action = a;
                }
            }
            _decisions[agent] = (action, h.Sum(), p);
        }
        _pending.Clear();
    }

    public int Decision(int agentId, out float value, Span<float> probabilities)
    {
        (int action, float v, float[] p) = _decisions[agentId];
        value = v;
        if (!probabilities.IsEmpty)
        {
            p.CopyTo(probabilities);
        }
        return action;
    }

    public void StartEpisode(int agentId) => Array.Clear(State(agentId));

    public byte[] SaveMemory(int agentId)
    {
        float[] h = State(agentId);
        byte[] fp = System.Text.Encoding.UTF8.GetBytes(Fingerprint);
        byte[] bytes = new byte[4 + fp.Length + 4 + Hidden * 4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, fp.Length);
        fp.CopyTo(bytes, 4);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 + fp.Length), agentId);
        for (int i = 0; i < Hidden; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(8 + fp.Length + i * 4), h[i]);
        }
        return bytes;
    }

    public void RestoreMemory(ReadOnlySpan<byte> memory)
    {
        int n = BinaryPrimitives.ReadInt32LittleEndian(memory);
        string fp = System.Text.Encoding.UTF8.GetString(memory.Slice(4, n));
        if (fp != Fingerprint)
        {
            throw new AgentException($"memory of model {fp} cannot be restored into model {Fingerprint}");
        }
        int agent = BinaryPrimitives.ReadInt32LittleEndian(memory[(4 + n)..]);
        float[] h = State(agent);
        for (int i = 0; i < Hidden; i++)
        {
            h[i] = BinaryPrimitives.ReadSingleLittleEndian(memory[(8 + n + i * 4)..]);
        }
    }

    public void Remove(int agentId)
    {
        _state.Remove(agentId);
        _decisions.Remove(agentId);
    }

    public void Dispose()
    {
    }

    private float[] State(int agent)
    {
        if (!_state.TryGetValue(agent, out float[]? h))
        {
            _state[agent] = h = new float[Hidden];
        }
        return h;
    }
}
