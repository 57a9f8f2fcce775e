using AgentRnn.Core.Compute;
using AgentRnn.Core.Compute.Cpu;
using AgentRnn.Host.Network;
using AgentRnn.Host.Models;
using AgentRnn.Vision;

namespace AgentRnn.Host.Pipeline;

/// <summary>
/// Where the CLI's commands get their model: a checkpoint from --model, or the benchmark's default, run on the
/// backend --backend and --device chose. The one place a compute backend choice enters model construction.
/// </summary>
public static class ModelFactory
{
    /// <summary>Seed of the default model's random weights, so every run benchmarks the same network.</summary>
    public const int DefaultSeed = 0;

    /// <summary>What the default model is, in words.</summary>
    public const string DefaultDescription = "default NatureCNN 4x84x84→512, LSTM 512→256, 6 actions (seed 0)";

    /// <summary>Loads <paramref name="path"/>, or builds the default model when it is null, with <paramref name="cpu"/> as its CPU settings (threads, weight precision).</summary>
    public static PolicyModel Open(string? path, CpuDeviceOptions? cpu = null) =>
        path is null ? PolicyModel.CreateDefault(DefaultSeed, cpu) : PolicyModel.Load(path, new ModelLoadOptions { Cpu = cpu });

    /// <summary>
    /// <paramref name="model"/>'s one <see cref="PolicyNetwork"/> as the pipeline's batch model for up to
    /// <paramref name="maxBatch"/> streams, each stream's memory in a slot of the network: on the CPU a network of its
    /// own on a CpuDevice with the model's CPU options, otherwise a network built on the chosen accelerator (disposable: it holds the device).
    /// Backend errors (no runtime, no such device) are one-line <see cref="Core.AgentException"/>s.
    /// </summary>
    public static PolicyBatchModel CreateBatchModel(PolicyModel model, BackendChoice backend, int maxBatch)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(backend);
        if (backend.IsCpu)
        {
            return new PolicyBatchModel(model, maxBatch);
        }
        // Refuse a model the batch model cannot serve before the device is opened (which compiles the kernels).
        _ = Preprocess(model);
        PolicyNetwork network = model.CreateNetwork(backend.Open(), maxBatch, ownsDevice: true);
        return new PolicyBatchModel(network, maxBatch, ownsNetwork: true);
    }

    /// <summary>
    /// The device <c>agent run</c> steps on: null for the CPU (the env runner builds a CPU device of its own), else the
    /// chosen accelerator, opened (the caller disposes it).
    /// </summary>
    public static ComputeDevice? OpenDevice(BackendChoice backend)
    {
        ArgumentNullException.ThrowIfNull(backend);
        return backend.IsCpu ? null : backend.Open();
    }

    /// <summary>
    /// The preprocessing <paramref name="model"/> was trained with, as AgentRnn.Vision options for labelling and the
    /// benchmark: resize, gray or RGB, stack; one observation per frame (no frame skip), so every decoded frame gets a row.
    /// A model with a non-Discrete actor or vector observations is a one-line <see cref="Core.AgentException"/>.
    /// </summary>
    public static PreprocessOptions Preprocess(PolicyModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        PolicyBatchModel.CheckServes(model.Config);
        return model.Config.Preprocess!.ToVisionOptions();
    }
}
