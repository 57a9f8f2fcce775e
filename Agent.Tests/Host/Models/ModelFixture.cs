using AgentRnn.Core;
using AgentRnn.Core.SafeTensors;
using AgentRnn.Host.Models;
using AgentRnn.Memory;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Tests.Host.Models;

/// <summary>One golden fixture from tools/reference/fixtures_models.py: the model file and its inputs and expected outputs.</summary>
internal sealed class ModelFixture
{
    private readonly Dictionary<string, Tensor> _io = new(StringComparer.Ordinal);

    public ModelFixture(string name)
    {
        ModelPath = Path(name + ".safetensors");
        using SafeTensorsFile io = SafeTensorsFile.Open(Path(name + "_io.safetensors"));
        foreach (TensorInfo t in io.Tensors)
        {
            _io[t.Name] = io.ReadTensor(t.Name);
        }
        Steps = _io["episode_starts"].Dim(0);
        Batch = _io["episode_starts"].Dim(1);
    }

    public static string Path(string file) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", "models", file);

    public string ModelPath { get; }

    public int Steps { get; }

    public int Batch { get; }

    public bool HasFrames => _io.ContainsKey("frames");

    public Tensor this[string name] => _io[name];

    public bool Has(string name) => _io.ContainsKey(name);

    /// <summary>Frames of step t as uint8 (B, C, H, W); the fixture stores them as exact F16 integers.</summary>
    public byte[] Frames(int t)
    {
        Tensor frames = _io["frames"];
        int row = frames.Length / Steps;
        return frames.Data.AsSpan(t * row, row).ToArray().Select(v => (byte)v).ToArray();
    }

    public ReadOnlySpan<float> Observations(int t)
    {
        Tensor obs = _io["obs"];
        int row = obs.Length / Steps;
        return obs.Data.AsSpan(t * row, row);
    }

    public ReadOnlySpan<float> Row(string name, int t)
    {
        Tensor x = _io[name];
        int row = x.Length / Steps;
        return x.Data.AsSpan(t * row, row);
    }

    /// <summary>The model's (B, StateSize) state from PyTorch's (layers, B, hidden) h0/c0 [critic_h0/critic_c0].</summary>
    public float[] InitialState(PolicyModel model) => PackState(model, "h0", "c0", "critic_h0", "critic_c0");

    /// <summary>The expected final state, packed the same way.</summary>
    public float[] FinalState(PolicyModel model) => PackState(model, "hT", "cT", "critic_hT", "critic_cT");

    private float[] PackState(PolicyModel model, string h, string c, string criticH, string criticC)
    {
        int core = model.Config.CoreStateSize;
        var state = new float[Batch * model.StateSize];
        var block = new float[Batch * core];
        Pack(model.Config, h, c, block);
        Interleave(block, state, core, 0, model.StateSize);
        if (model.Config.CriticMemory)
        {
            Pack(model.Config, criticH, criticC, block);
            Interleave(block, state, core, core, model.StateSize);
        }
        return state;
    }

    // PyTorch's (layers, B, H) h and c into per-stream [h_0, c_0, h_1, c_1, …] (LSTM) or [h_0, h_1, …] blocks.
    private void Pack(ModelConfig config, string h, string c, float[] block)
    {
        bool lstm = config.Cell == CellKind.Lstm;
        int hidden = config.HiddenSize;
        int core = config.CoreStateSize;
        for (int l = 0; l < config.Layers; l++)
        {
            for (int b = 0; b < Batch; b++)
            {
                int at = b * core + l * hidden * (lstm ? 2 : 1);
                _io[h].Data.AsSpan((l * Batch + b) * hidden, hidden).CopyTo(block.AsSpan(at, hidden));
                if (lstm)
                {
                    _io[c].Data.AsSpan((l * Batch + b) * hidden, hidden).CopyTo(block.AsSpan(at + hidden, hidden));
                }
            }
        }
    }

    private void Interleave(float[] block, float[] state, int core, int offset, int size)
    {
        for (int b = 0; b < Batch; b++)
        {
            block.AsSpan(b * core, core).CopyTo(state.AsSpan(b * size + offset, core));
        }
    }
}
