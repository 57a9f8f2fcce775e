using AgentRnn.Core.Recurrent;
using AgentRnn.Host.Env;
using AgentRnn.Host.Env.Samples;
using AgentRnn.Host.Models;
using AgentRnn.Host.Training;
using AgentRnn.Tests.Env;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Training;

/// <summary>
/// PPO's rollout allocates nothing per step in steady state: a wrapper env reads the thread's allocated bytes at every
/// Step call, so the bytes between two Step calls of the same rollout are one whole rollout step (the flags and
/// returns, the observation adapter, the network's step and the sampling), less what the env's own Step allocated (the
/// in-process sample env keeps a growing list of its episode returns for checking; that is the env's, not the trainer's). Each rollout after the first
/// update is one measurement; the least of three is asserted to be 0 bytes (a one-off elsewhere in the process, such
/// as a tiered-JIT recompile, must not fail the claim, a per-step allocation fails every measurement).
/// </summary>
public class PpoRolloutAllocationTests(ITestOutputHelper output)
{
    /// <summary>Forwards to an env and records the thread's allocated-bytes counter at each Step call.</summary>
    private sealed class MeteredEnv(IVectorEnv inner, int capacity) : IVectorEnv
    {
        private readonly long[] _marks = new long[capacity];
        private long _envBytes;

        public int Count { get; private set; }

        public ReadOnlySpan<long> Marks => _marks.AsSpan(0, Count);

        public EnvSpec Spec => inner.Spec;

        public void Reset(long? seed, ReadOnlySpan<bool> mask, string? optionsJson, VectorStep result) => inner.Reset(seed, mask, optionsJson, result);

        public void Step(SpaceBatch actions, VectorStep result)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            if (Count < _marks.Length)
            {
                _marks[Count++] = before - _envBytes;
            }
            inner.Step(actions, result);
            _envBytes += GC.GetAllocatedBytesForCurrentThread() - before;
        }

        public void Dispose() => inner.Dispose();
    }

    private long[] RolloutBytes(IVectorEnv env, ModelConfig config, int numSteps, int updates)
    {
        using var metered = new MeteredEnv(env, numSteps * updates);
        var options = new PpoOptions { TotalTimesteps = (long)numSteps * env.Spec.NumEnvs * updates, NumSteps = numSteps, NumMinibatches = 2, UpdateEpochs = 1, Seed = 3 };
        using (var trainer = new PpoTrainer(metered, new TrainingNetwork(config, seed: 3), options))
        {
            trainer.Run(_ => { });
        }
        Assert.Equal(numSteps * updates, metered.Count);
        // Rollout k's steps are calls k·T .. k·T+T-1; its T-1 intervals lie wholly inside it. The first is warm-up.
        var perRollout = new long[updates - 1];
        for (int k = 1; k < updates; k++)
        {
            perRollout[k - 1] = metered.Marks[k * numSteps + numSteps - 1] - metered.Marks[k * numSteps];
            output.WriteLine($"rollout {k + 1}: {perRollout[k - 1]} bytes over {numSteps - 1} steps of {env.Spec.NumEnvs} envs");
        }
        return perRollout;
    }

    [Theory]
    [InlineData(AutoresetMode.SameStep)]
    [InlineData(AutoresetMode.NextStep)]
    [InlineData(AutoresetMode.Disabled)]
    public void Rollout_ImagesThroughNatureCnn_AllocatesNothingPerStep(AutoresetMode mode)
    {
        // Delay 2: every env's episode ends every third step, so resets and episode bookkeeping are in every rollout.
        using var env = new SyncVectorEnv([.. Enumerable.Range(0, 4).Select(_ => (IEnv)new CueMemoryEnv(36, 36, delay: 2))], mode);
        ModelConfig config = ModelConfig.ForFrames(new PreprocessConfig(36, 36, true, 1, PreprocessConfig.DefaultScale), ActionSpec.Discrete(2), cell: CellKind.Lstm, hiddenSize: 16);

        long[] bytes = RolloutBytes(env, config, numSteps: 16, updates: 4);

        Assert.Equal(0, bytes.Min());
    }

    [Theory]
    [InlineData(CellKind.Gru)]
    [InlineData(CellKind.Rnn)]
    public void Rollout_SocketEnvOtherCells_AllocatesNothingPerStep(CellKind cell)
    {
        // The real path of `agent train ppo`: a socket env (served in-process by the C# server, whose thread is not metered).
        var server = new EnvServer(() => new SyncVectorEnv([.. Enumerable.Range(0, 4).Select(_ => (IEnv)new CueMemoryEnv(36, 36, delay: 1))], AutoresetMode.SameStep));
        server.Start(EnvAddress.Tcp("127.0.0.1", 0));
        using (server)
        {
            using SocketVectorEnv env = SocketVectorEnv.Connect(server.Address!, TimeSpan.FromSeconds(20));
            ModelConfig config = ModelConfig.ForFrames(new PreprocessConfig(36, 36, true, 1, PreprocessConfig.DefaultScale), ActionSpec.Discrete(2), cell: cell, hiddenSize: 16);

            long[] bytes = RolloutBytes(env, config, numSteps: 16, updates: 4);

            Assert.Equal(0, bytes.Min());
        }
    }

    [Fact]
    public void Rollout_VectorsThroughMlp_AllocatesNothingPerStep()
    {
        // The sweep's path: the Python cue-memory env's vector observations (served by envs/serve.py) through an MLP encoder.
        using var server = new PythonEnvServer("samples.cue_memory:make", "{\"delay\": 2, \"obs\": \"vector\"}", numEnvs: 4, autoreset: "same-step");
        using SocketVectorEnv env = SocketVectorEnv.Connect(server.Address, TimeSpan.FromSeconds(20));
        ModelConfig config = ModelConfig.ForVectors(3, ActionSpec.Discrete(2), cell: CellKind.Lstm, hiddenSize: 16);

        long[] bytes = RolloutBytes(env, config, numSteps: 16, updates: 4);

        Assert.Equal(0, bytes.Min());
    }
}
