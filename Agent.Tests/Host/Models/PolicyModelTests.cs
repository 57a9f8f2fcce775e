using AgentRnn.Core;
using AgentRnn.Host.Models;
using AgentRnn.Memory;
using AgentRnn.Tests.Core.SafeTensors;
using Xunit.Abstractions;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Tests.Host.Models;

public sealed class PolicyModelTests(ITestOutputHelper output)
{
    private static readonly ModelConfig SmallVector = ModelConfig.ForVectors(5, ActionSpec.Discrete(3), [8], CellKind.Lstm, hiddenSize: 6) with { CriticMemory = true };

    [Fact]
    public void CreateDefault_HasTheBenchArchitecture()
    {
        PolicyModel model = PolicyModel.CreateDefault();
        ModelConfig c = model.Config;
        Assert.Equal((EncoderKind.NatureCnn, 4, 84, 84, 512), (c.Encoder, c.Channels, c.Height, c.Width, c.FeatureSize));
        Assert.Equal((CellKind.Lstm, 256, 1, 6), (c.Cell, c.HiddenSize, c.Layers, model.ActionCount));
        Assert.Equal(512, model.StateSize);
        // conv 8,224 + 32,832 + 36,928; linear 1,606,144; LSTM 788,480; actor 1,542; critic 257.
        Assert.Equal(2_474_407, model.ParameterCount);
        Assert.Equal(c.ParameterCount, model.ParameterCount);
    }

    [Fact]
    public void CreateRandom_SameSeed_SameWeights_OtherSeedDiffers()
    {
        PolicyModel a = PolicyModel.CreateRandom(SmallVector, 3);
        PolicyModel b = PolicyModel.CreateRandom(SmallVector, 3);
        PolicyModel c = PolicyModel.CreateRandom(SmallVector, 4);
        Assert.Equal(a.Parameters["memory.weight_ih_l0"].Data, b.Parameters["memory.weight_ih_l0"].Data);
        Assert.NotEqual(a.Parameters["memory.weight_ih_l0"].Data, c.Parameters["memory.weight_ih_l0"].Data);
        float bound = 1f / MathF.Sqrt(5);
        Assert.All(a.Parameters["encoder.fc0.weight"].Data, v => Assert.InRange(v, -bound, bound));
    }

    [Fact]
    public void Step_AfterWarmUp_AllocatesNothing()
    {
        PolicyModel model = PolicyModel.CreateRandom(ModelConfig.ForFrames(new PreprocessConfig(36, 36, true, 2, 1f / 200f), ActionSpec.MultiDiscrete(3, 2)) with { CriticMemory = true, HiddenSize = 16, FeatureSize = 32 });
        const int batch = 3;
        PolicyOutputs outputs = model.CreateOutputs(batch);
        var frames = new byte[batch * model.InputSize];
        new Random(1).NextBytes(frames);
        var state = new float[batch * model.StateSize];
        float[] starts = [1f, 0f, 0f];
        model.Step(frames, state, starts, outputs, batch);
        var sampler = new ActionSampler(1);
        long[] windows = SteadyAllocation.Windows(() =>
        {
            model.Step(frames, state, starts, outputs, batch);
            sampler.Sample(outputs, batch);
        }, calls: 5);
        output.WriteLine($"bytes allocated per window of 5 steps + samples: {string.Join(", ", windows)}");
        Assert.Equal(0, windows.Min());
    }

    [Fact]
    public void Step_EpisodeStart_EqualsStepFromZeroState()
    {
        PolicyModel model = PolicyModel.CreateRandom(SmallVector, 5);
        float[] obs = [0.1f, -0.2f, 0.3f, 0.5f, -1f];
        var dirty = Enumerable.Range(0, model.StateSize).Select(i => MathF.Sin(i)).ToArray();
        var zero = new float[model.StateSize];
        PolicyOutputs a = model.CreateOutputs(1), b = model.CreateOutputs(1);
        model.Step(obs, dirty, [1f], a, 1);
        model.Step(obs, zero, [], b, 1);
        Assert.Equal(b.Logits, a.Logits);
        Assert.Equal(b.Values, a.Values);
        Assert.Equal(zero, dirty);
    }

    [Fact]
    public void Step_Batch_EqualsEachStreamAlone()
    {
        PolicyModel model = PolicyModel.CreateRandom(SmallVector, 6);
        var rng = new Random(2);
        float[] obs = Enumerable.Range(0, 3 * 5).Select(_ => (float)rng.NextDouble()).ToArray();
        float[] state = Enumerable.Range(0, 3 * model.StateSize).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        float[] single = (float[])state.Clone();
        PolicyOutputs all = model.CreateOutputs(3), one = model.CreateOutputs(1);
        model.Step(obs, state, [0f, 1f, 0f], all, 3);
        float worst = 0f;
        for (int b = 0; b < 3; b++)
        {
            Span<float> s = single.AsSpan(b * model.StateSize, model.StateSize);
            model.Step(obs.AsSpan(b * 5, 5), s, [b == 1 ? 1f : 0f], one, 1);
            worst = Math.Max(worst, NumericAssert.MaxAbsError(one.LogitsRow(0), all.LogitsRow(b)));
            worst = Math.Max(worst, Math.Abs(one.Values[0] - all.Values[b]));
        }
        worst = Math.Max(worst, NumericAssert.MaxAbsError(single, state));
        output.WriteLine($"batch vs single: max abs error {worst:E2} (tolerance 1e-6)");
        Assert.True(worst <= 1e-6f);
    }

    public static TheoryData<bool, int> SequenceModels => new() { { false, 1 }, { true, 1 }, { false, 2 }, { true, 2 } };

    [Theory]
    [MemberData(nameof(SequenceModels))]
    public void StepSequence_EqualsSteppingEachFrameAlone(bool criticMemory, int layers)
    {
        // NatureCNN frames (its 3136→512 layer is what a sequence batches), resets at frames 0 and 7.
        var config = ModelConfig.ForFrames(PreprocessConfig.Atari(2), ActionSpec.Discrete(4)) with
        {
            CriticMemory = criticMemory, Layers = layers, HiddenSize = 16, FeatureSize = 64,
        };
        PolicyModel model = PolicyModel.CreateRandom(config, 9);
        const int Steps = 11;
        var frames = new byte[Steps * model.InputSize];
        new Random(4).NextBytes(frames);
        float[] starts = Enumerable.Range(0, Steps).Select(t => t is 0 or 7 ? 1f : 0f).ToArray();
        float[] sequenceState = Enumerable.Range(0, model.StateSize).Select(i => MathF.Cos(i)).ToArray();
        float[] singleState = (float[])sequenceState.Clone();
        PolicyOutputs all = model.CreateOutputs(Steps), one = model.CreateOutputs(1);

        model.StepSequence(frames, sequenceState, starts, all, Steps);

        float worst = 0f;
        for (int t = 0; t < Steps; t++)
        {
            model.Step(frames.AsSpan(t * model.InputSize, model.InputSize), singleState, starts.AsSpan(t, 1), one, 1);
            worst = Math.Max(worst, NumericAssert.MaxAbsError(one.LogitsRow(0), all.LogitsRow(t)));
            worst = Math.Max(worst, Math.Abs(one.Values[0] - all.Values[t]));
            Assert.Equal(one.Actions[0], all.Actions[t]);
        }
        worst = Math.Max(worst, NumericAssert.MaxAbsError(singleState, sequenceState));
        output.WriteLine($"sequence of {Steps} vs frame by frame: max abs error {worst:E2} (tolerance 1e-6)");
        Assert.True(worst <= 1e-6f, $"max abs error {worst}");
    }

    [Fact]
    public void StepSequence_AfterWarmUp_AllocatesNothing()
    {
        PolicyModel model = PolicyModel.CreateRandom(ModelConfig.ForFrames(new PreprocessConfig(36, 36, true, 2, 1f / 200f), ActionSpec.Discrete(3)) with { CriticMemory = true, HiddenSize = 16, FeatureSize = 32 });
        const int Steps = 8;
        PolicyOutputs outputs = model.CreateOutputs(Steps);
        var frames = new byte[Steps * model.InputSize];
        new Random(1).NextBytes(frames);
        var state = new float[model.StateSize];
        var starts = new float[Steps];
        model.StepSequence(frames, state, starts, outputs, Steps);
        long[] windows = SteadyAllocation.Windows(() => model.StepSequence(frames, state, starts, outputs, Steps), calls: 5);
        output.WriteLine($"bytes allocated per window of 5 sequences of {Steps}: {string.Join(", ", windows)}");
        Assert.Equal(0, windows.Min());
    }

    [Fact]
    public void StepSequence_ShortInput_ThrowsNamingSizes()
    {
        PolicyModel model = PolicyModel.CreateRandom(ModelConfig.ForFrames(new PreprocessConfig(36, 36, true, 1, PreprocessConfig.DefaultScale), ActionSpec.Discrete(2)) with { HiddenSize = 4, FeatureSize = 8 });
        var error = Assert.Throws<ArgumentException>(() =>
            model.StepSequence(new byte[model.InputSize], new float[model.StateSize], [], model.CreateOutputs(2), 2));
        Assert.Contains($"needs {2 * model.InputSize}", error.Message);
    }

    [Fact]
    public void Step_CustomScale_EqualsFloatStepOnScaledFrames()
    {
        var config = ModelConfig.ForFrames(new PreprocessConfig(36, 36, true, 1, 0.5f), ActionSpec.Discrete(2)) with { HiddenSize = 4, FeatureSize = 8 };
        PolicyModel model = PolicyModel.CreateRandom(config, 1);
        var frames = new byte[model.InputSize];
        new Random(3).NextBytes(frames);
        PolicyOutputs a = model.CreateOutputs(1), b = model.CreateOutputs(1);
        model.Step(frames, new float[model.StateSize], [], a, 1);
        model.Step(frames.Select(v => v * 0.5f).ToArray(), new float[model.StateSize], [], b, 1);
        Assert.Equal(b.Logits, a.Logits);
    }

    [Fact]
    public void Step_ShortState_ThrowsNamingSizes()
    {
        PolicyModel model = PolicyModel.CreateRandom(SmallVector);
        var e = Assert.Throws<ArgumentException>(() => model.Step(new float[10], new float[model.StateSize], [], model.CreateOutputs(2), 2));
        Assert.Contains($"needs {2 * model.StateSize}", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Step(new float[15], new float[3 * model.StateSize], [], model.CreateOutputs(2), 3));
    }

    [Fact]
    public void Step_OutputsForAnotherSpace_Throw()
    {
        PolicyModel model = PolicyModel.CreateRandom(SmallVector);
        Assert.Throws<ArgumentException>(() => model.Step(new float[5], new float[model.StateSize], [], new PolicyOutputs(ActionSpec.Box(3), 1), 1));
    }

    [Fact]
    public void Constructor_WrongShape_ThrowsNamingTensor()
    {
        PolicyModel random = PolicyModel.CreateRandom(SmallVector);
        var e = Assert.Throws<ModelFormatException>(() => new PolicyModel(SmallVector, name => name == "critic.weight" ? new Tensor(2, 6) : random.Parameters[name]));
        Assert.Contains("tensor 'critic.weight' has shape (2, 6), expected (1, 6)", e.Message);
    }

    [Fact]
    public void Save_WritesOursLayoutWithConfigMetadata()
    {
        using var dir = new TempDirectory();
        PolicyModel model = PolicyModel.CreateRandom(SmallVector with { Action = ActionSpec.Box(2) }, 9);
        string path = dir.File("m.safetensors");
        model.Save(path);
        using (var file = AgentRnn.Core.SafeTensors.SafeTensorsFile.Open(path))
        {
            Assert.Equal(model.Config.ToJson(), file.Metadata["agent.config"]);
            Assert.Equal(model.Config.Parameters().Select(p => p.Name), file.Tensors.Select(t => t.Name));
            Assert.Equal(new float[2], file.ReadTensor("actor.log_std").Data);
        }
        PolicyModel loaded = PolicyModel.Load(path);
        Assert.Equal(model.Config.ToJson(), loaded.Config.ToJson());
        Assert.All(model.Parameters, p => Assert.Equal(p.Value.Data, loaded.Parameters[p.Key].Data));
    }

    [Fact]
    public void ModelConfig_JsonRoundTrip_KeepsEveryField()
    {
        ModelConfig[] configs =
        [
            ModelConfig.Default,
            SmallVector with { Cell = CellKind.Gru, Layers = 3, MlpActivation = AgentRnn.Core.Kernels.Activation.ReLU, Action = ActionSpec.MultiDiscrete(2, 5, 1) },
            ModelConfig.ForFrames(new PreprocessConfig(64, 64, false, 2, 0.25f), ActionSpec.Box(4), EncoderKind.Impala, CellKind.Rnn, 32) with { ImpalaChannels = [8, 16, 16] },
        ];
        foreach (ModelConfig c in configs)
        {
            ModelConfig back = ModelConfig.FromJson(c.ToJson(), "test");
            Assert.Equal(c.ToJson(), back.ToJson());
            Assert.Equal(c.Preprocess, back.Preprocess);
            Assert.Equal(c.ParameterCount, back.ParameterCount);
        }
    }

    [Fact]
    public void ImpalaModel_BuildsAndSteps()
    {
        var config = ModelConfig.ForFrames(new PreprocessConfig(16, 12, false, 1, 1f / 255f), ActionSpec.Discrete(4), EncoderKind.Impala, CellKind.Gru, 8) with { FeatureSize = 16, ImpalaChannels = [4, 8, 8] };
        PolicyModel model = PolicyModel.CreateRandom(config, 2);
        Assert.Equal(16, model.FeatureSize);
        PolicyOutputs outputs = model.CreateOutputs(2);
        model.Step(new byte[2 * model.InputSize], new float[2 * model.StateSize], [], outputs, 2);
        Assert.Equal(1f, outputs.Probabilities.AsSpan(0, 4).ToArray().Sum(), 5);
    }

    [Fact]
    public void ActionSampler_SameSeed_SameActions_FrequenciesFollowProbabilities()
    {
        PolicyModel model = PolicyModel.CreateRandom(SmallVector with { Action = ActionSpec.MultiDiscrete(3, 2) }, 1);
        PolicyOutputs outputs = model.CreateOutputs(1);
        model.Step(new float[] { 1f, 2f, -1f, 0f, 3f }, new float[model.StateSize], [], outputs, 1);
        var a = new ActionSampler(42);
        var b = new ActionSampler(42);
        var counts = new int[5];
        const int draws = 20_000;
        for (int i = 0; i < draws; i++)
        {
            a.Sample(outputs, 1);
            int x = outputs.Actions[0], y = outputs.Actions[1];
            b.Sample(outputs, 1);
            Assert.Equal((x, y), (outputs.Actions[0], outputs.Actions[1]));
            counts[x]++;
            counts[3 + y]++;
        }
        float worst = 0f;
        for (int i = 0; i < 5; i++)
        {
            worst = Math.Max(worst, Math.Abs(counts[i] / (float)draws - outputs.Probabilities[i]));
        }
        output.WriteLine($"sampled vs probabilities: max abs error {worst:E2} over {draws} draws (tolerance 0.02)");
        Assert.True(worst < 0.02f);
    }

    [Fact]
    public void ActionSampler_Box_SamplesAroundTheMeanWithTheStd()
    {
        var config = SmallVector with { Action = ActionSpec.Box(2) };
        PolicyModel random = PolicyModel.CreateRandom(config, 1);
        PolicyModel model = new(config, name => name == "actor.log_std" ? new Tensor([MathF.Log(0.5f), MathF.Log(2f)], 2) : random.Parameters[name]);
        PolicyOutputs outputs = model.CreateOutputs(1);
        model.Step(new float[5], new float[model.StateSize], [], outputs, 1);
        float[] mean = outputs.Logits.ToArray();
        var sampler = new ActionSampler(7);
        double[] sum = new double[2], sq = new double[2];
        const int draws = 20_000;
        for (int i = 0; i < draws; i++)
        {
            sampler.Sample(outputs, 1);
            for (int d = 0; d < 2; d++)
            {
                double z = outputs.ContinuousActions[d] - mean[d];
                sum[d] += z;
                sq[d] += z * z;
            }
        }
        Assert.Equal([0.5f, 2f], outputs.Probabilities, (x, y) => Math.Abs(x - y) < 1e-6f);
        for (int d = 0; d < 2; d++)
        {
            double std = Math.Sqrt(sq[d] / draws);
            output.WriteLine($"dim {d}: sample mean offset {sum[d] / draws:F4}, std {std:F4} (expected {outputs.Probabilities[d]})");
            Assert.InRange(sum[d] / draws, -0.05 * outputs.Probabilities[d], 0.05 * outputs.Probabilities[d]);
            Assert.InRange(std, 0.97 * outputs.Probabilities[d], 1.03 * outputs.Probabilities[d]);
        }
    }
}
