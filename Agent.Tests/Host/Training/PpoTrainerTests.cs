using AgentRnn.Host.Env;
using AgentRnn.Host.Env.Samples;
using AgentRnn.Host.Models;
using AgentRnn.Host.Training;
using AgentRnn.Core.Recurrent;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Training;

public class PpoTrainerTests(ITestOutputHelper output)
{
    private static ModelConfig CueModel(CellKind cell = CellKind.Lstm) =>
        ModelConfig.ForFrames(new PreprocessConfig(36, 36, true, 1, PreprocessConfig.DefaultScale), ActionSpec.Discrete(2), cell: cell, hiddenSize: 32);

    private static SyncVectorEnv CueEnvs(int delay, int count = 8) =>
        new([.. Enumerable.Range(0, count).Select(_ => (IEnv)new CueMemoryEnv(36, 36, delay))]);

    // A tiny budget: the cue is still on screen when the choice is asked (delay 0), so the policy learns it without
    // memory in a few thousand steps; next-step autoreset, whose reset steps carry no loss, is the mode used. The
    // returns start at chance (about 0) and must end near 1; the saved model must then play it deterministically.
    [Fact]
    public void Train_CueVisibleAtChoice_LearnsFromChanceToSolvedAndSavedModelPlays()
    {
        string dir = Directory.CreateTempSubdirectory("agentrnn-ppo-").FullName;
        try
        {
            using SyncVectorEnv env = CueEnvs(delay: 0);
            var network = new TrainingNetwork(CueModel(), seed: 1);
            var options = new PpoOptions { TotalTimesteps = 3072, NumSteps = 32, LearningRate = 1e-3f, Seed = 1 };
            var stats = new List<PpoUpdateStats>();
            using (var trainer = new PpoTrainer(env, network, options))
            {
                trainer.Run(stats.Add);
                TrainingCheckpoint.Save(Path.Combine(dir, "cue.safetensors"), trainer.Network, trainer.Optimizer, trainer.GlobalStep, trainer.Update);
            }
            foreach (PpoUpdateStats s in stats)
            {
                output.WriteLine($"update {s.Update} step {s.GlobalStep}: return {s.EpisodicReturn:0.###} over {s.Episodes} episodes, entropy {s.Entropy:0.###}");
            }
            Assert.Equal(12, stats.Count);
            Assert.InRange(stats[0].EpisodicReturn, -0.5, 0.5);
            Assert.True(stats[^1].EpisodicReturn >= 0.8, $"last update's return {stats[^1].EpisodicReturn} < 0.8");

            // The checkpoint is CleanRL's layout and plays through the inference model, greedily.
            PolicyModel model = PolicyModel.Load(Path.Combine(dir, "cue.safetensors"));
            Assert.Equal(ModelLayout.CleanRl, model.Config.Layout);
            using SyncVectorEnv play = CueEnvs(delay: 0, count: 4);
            using var agent = new PolicyModelAgent(model, play.Spec, deterministic: true, seed: 0);
            RunReport report = EpisodeRunner.Run(play, agent, 32, seed: 100);
            double mean = report.Episodes.Average(e => e.Return);
            output.WriteLine($"deterministic play: mean return {mean:0.###} over {report.Episodes.Count} episodes");
            Assert.True(mean >= 0.9, $"played mean return {mean} < 0.9");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData(CellKind.Lstm, 4)]
    [InlineData(CellKind.Gru, 3)]
    public void SetKeepGateBias_FillsTheSecondGateChunkOfBiasHhOnly(CellKind cell, int gates)
    {
        var network = new TrainingNetwork(ModelConfig.ForVectors(3, ActionSpec.Discrete(2), cell: cell, hiddenSize: 5), seed: 1);

        network.SetKeepGateBias(1f);

        float[] hh = network["memory.bias_hh_l0"].Data;
        Assert.Equal(gates * 5, hh.Length);
        Assert.Equal(Enumerable.Range(0, gates * 5).Select(i => i is >= 5 and < 10 ? 1f : 0f), hh);
        Assert.All(network["memory.bias_ih_l0"].Data, b => Assert.Equal(0f, b));
    }

    [Fact]
    public void Checkpoint_RoundTripsWeightsMomentsAndCounters_ForResume()
    {
        string dir = Directory.CreateTempSubdirectory("agentrnn-ckpt-").FullName;
        try
        {
            var config = ModelConfig.ForVectors(5, ActionSpec.MultiDiscrete(3, 2), [8], CellKind.Gru, 6);
            var network = new TrainingNetwork(config, seed: 3);
            var adam = new Adam(network.Parameters, 1e-3f);
            var random = new Random(4);
            foreach (TrainParameter p in network.Parameters)
            {
                for (int i = 0; i < p.Grad.Length; i++)
                {
                    p.Grad[i] = (float)random.NextDouble() - 0.5f;
                }
            }
            adam.Step();
            adam.Step();
            string path = Path.Combine(dir, "vec.safetensors");
            TrainingCheckpoint.Save(path, network, adam, globalStep: 4096, update: 4);
            (TrainingNetwork loaded, Adam loadedAdam, long step) = TrainingCheckpoint.Load(path, 1e-3f);
            Assert.Equal(4096, step);
            Assert.Equal(2, loadedAdam.Steps);
            Assert.Equal(ModelLayout.Ours, PolicyModel.Load(path).Config.Layout);
            for (int k = 0; k < network.Parameters.Count; k++)
            {
                Assert.Equal(network.Parameters[k].Data, loaded.Parameters[k].Data);
                Assert.Equal(adam.First[k], loadedAdam.First[k]);
                Assert.Equal(adam.Second[k], loadedAdam.Second[k]);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
