using System.Globalization;
using AgentRnn.Core;
using AgentRnn.Core.SafeTensors;

namespace AgentRnn.Host.Training;

/// <summary>
/// A training run's files: the model (<see cref="TrainingNetwork.Save"/>: CleanRL's layout for NatureCNN+LSTM
/// models, ours otherwise) and, beside it, <c>MODEL.adam.safetensors</c> with Adam's moments (m.NAME, v.NAME) and the
/// counters (optimizer step, env steps, updates) that --resume continues from. Each file is written atomically; the
/// optimizer file first, so a model never names state that is not on disk.
/// </summary>
public static class TrainingCheckpoint
{
    /// <summary>The optimizer file that goes with <paramref name="modelPath"/>.</summary>
    public static string OptimizerPath(string modelPath) =>
        Path.Combine(Path.GetDirectoryName(modelPath) ?? "", Path.GetFileNameWithoutExtension(modelPath) + ".adam.safetensors");

    /// <summary>Writes the model and its optimizer file.</summary>
    public static void Save(string modelPath, TrainingNetwork network, Adam adam, long globalStep, int update)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(adam);
        CultureInfo c = CultureInfo.InvariantCulture;
        var counters = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["agent.train.global_step"] = globalStep.ToString(c),
            ["agent.train.update"] = update.ToString(c),
            ["agent.train.adam_step"] = adam.Steps.ToString(c),
        };
        var tensors = new List<KeyValuePair<string, Tensor>>();
        for (int k = 0; k < network.Parameters.Count; k++)
        {
            TrainParameter p = network.Parameters[k];
            tensors.Add(new("m." + p.Name, new Tensor(adam.First[k], p.Shape)));
            tensors.Add(new("v." + p.Name, new Tensor(adam.Second[k], p.Shape)));
        }
        SafeTensorsWriter.Write(OptimizerPath(modelPath), tensors, counters);
        network.Save(modelPath, counters);
    }

    /// <summary>
    /// Loads a model to continue: the network, and Adam's moments and the counters from its optimizer file when
    /// there is one (else fresh moments and counters from the model's metadata, or zero).
    /// </summary>
    public static (TrainingNetwork Network, Adam Adam, long GlobalStep) Load(string modelPath, float learningRate)
    {
        TrainingNetwork network = TrainingNetwork.Load(modelPath, out IReadOnlyDictionary<string, string> metadata);
        var adam = new Adam(network.Parameters, learningRate, epsilon: 1e-5f);
        string optimizer = OptimizerPath(modelPath);
        long globalStep = Counter(metadata, "agent.train.global_step", modelPath);
        if (File.Exists(optimizer))
        {
            using SafeTensorsFile file = SafeTensorsFile.Open(optimizer);
            for (int k = 0; k < network.Parameters.Count; k++)
            {
                TrainParameter p = network.Parameters[k];
                foreach ((string prefix, float[] target) in new[] { ("m.", adam.First[k]), ("v.", adam.Second[k]) })
                {
                    string name = prefix + p.Name;
                    if (!file.Contains(name) || !file.Info(name).Shape.SequenceEqual(p.Shape))
                    {
                        throw new AgentException($"{optimizer}: tensor '{name}' is missing or not shaped {Tensor.FormatShape(p.Shape)}; it does not belong to {modelPath}");
                    }
                    file.ReadTensor(name, target);
                }
            }
            adam.Steps = Counter(file.Metadata, "agent.train.adam_step", optimizer);
            globalStep = Counter(file.Metadata, "agent.train.global_step", optimizer);
        }
        return (network, adam, globalStep);
    }

    private static long Counter(IReadOnlyDictionary<string, string> metadata, string key, string path)
    {
        if (!metadata.TryGetValue(key, out string? text))
        {
            return 0;
        }
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value))
        {
            throw new AgentException($"{path}: metadata '{key}' is '{text}', not a non-negative integer");
        }
        return value;
    }
}
