using AgentRnn.Core.Compute.Cpu;
using AgentRnn.Host.Accelerated;
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
    /// <paramref name="model"/> as the pipeline's batch model for up to <paramref name="maxBatch"/> streams: the
    /// <see cref="PolicyModel"/> itself on the CPU, or a <see cref="DeviceBatchModel"/> on the chosen accelerator
    /// (disposable: it holds the device). Backend errors (no runtime, no such device, a model without device
    /// kernels) are one-line <see cref="Core.AgentException"/>s.
    /// </summary>
    public static IBatchModel CreateBatchModel(PolicyModel model, BackendChoice backend, int maxBatch)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(backend);
        if (backend.IsCpu)
        {
            return new PolicyBatchModel(model, maxBatch);
        }
        DevicePolicy policy = DevicePolicy.Open(model, backend.Kind, backend.Device, maxBatch);
        try
        {
            return new DeviceBatchModel(policy);
        }
        catch
        {
            policy.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The device policy for <c>agent run</c> on an accelerator (<paramref name="capacity"/> envs), or null on the CPU,
    /// where <see cref="Env.PolicyModelAgent"/> steps the model itself.
    /// </summary>
    public static DevicePolicy? CreateDevicePolicy(PolicyModel model, BackendChoice backend, int capacity)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(backend);
        return backend.IsCpu ? null : DevicePolicy.Open(model, backend.Kind, backend.Device, capacity);
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
