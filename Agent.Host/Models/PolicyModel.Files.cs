using AgentRnn.Core;
using AgentRnn.Core.Compute.Cpu;
using AgentRnn.Core.SafeTensors;

namespace AgentRnn.Host.Models;

/// <summary>Loading, saving and creating policy models.</summary>
public sealed partial class PolicyModel
{
    /// <summary>
    /// Loads a safetensors checkpoint in any known layout (ours, CleanRL ppo_atari_lstm, SB3 RecurrentPPO
    /// CnnLstmPolicy), recognised by tensor names. Every header field and shape is checked before weights are read;
    /// a bad file throws an <see cref="AgentException"/> whose one-line message names the file and the tensor.
    /// <see cref="ModelLoadOptions.Cpu"/> sets the model's CPU threads and weight precision.
    /// </summary>
    public static PolicyModel Load(string path, ModelLoadOptions? options = null)
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        CheckpointLayouts.Resolved resolved = CheckpointLayouts.Resolve(file, options ?? ModelLoadOptions.None);
        try
        {
            return new PolicyModel(resolved.Config, name => CheckpointLayouts.Read(file, resolved, name), options?.Cpu);
        }
        catch (ModelFormatException e)
        {
            throw new ModelFormatException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Reads a checkpoint's layout and architecture without building the model (what `agent inspect` shows).</summary>
    public static ModelConfig Inspect(string path, ModelLoadOptions? options = null)
    {
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        return CheckpointLayouts.Resolve(file, options ?? ModelLoadOptions.None).Config;
    }

    /// <summary>
    /// Writes the model in our layout (docs/MODEL_FORMAT.md): every parameter as F32 under its name, and the config
    /// in <c>__metadata__["agent.config"]</c>. Atomic: the file is replaced whole or not at all.
    /// </summary>
    public void Save(string path)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { [ModelConfig.MetadataKey] = Config.ToJson() };
        SafeTensorsWriter.Write(path, Config.Parameters().Select(p => new KeyValuePair<string, Tensor>(p.Name, _parameters[p.Name])), metadata);
    }

    /// <summary>
    /// The benchmark's default model with random weights from <paramref name="seed"/>: NatureCNN on 4×84×84 → 512,
    /// one LSTM 512 → 256, a categorical actor over 6 actions and a critic.
    /// </summary>
    public static PolicyModel CreateDefault(int seed = 0, CpuDeviceOptions? cpu = null) => CreateRandom(ModelConfig.Default, seed, cpu);

    /// <summary>
    /// A model for <paramref name="config"/> with PyTorch-style random weights: each tensor uniform in ±1/√fan_in
    /// (the bound nn.Linear, nn.Conv2d and nn.LSTM use), log_std zero; the same seed gives the same weights.
    /// </summary>
    public static PolicyModel CreateRandom(ModelConfig config, int seed = 0, CpuDeviceOptions? cpu = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var random = new Random(seed);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (ParameterSpec p in config.Parameters())
        {
            var t = new Tensor(p.Shape);
            if (p.FanIn > 0)
            {
                float bound = 1f / MathF.Sqrt(p.FanIn);
                Span<float> data = t.Span;
                for (int i = 0; i < data.Length; i++)
                {
                    data[i] = (float)(random.NextDouble() * 2.0 - 1.0) * bound;
                }
            }
            tensors.Add(p.Name, t);
        }
        return new PolicyModel(config, name => tensors[name], cpu);
    }
}
