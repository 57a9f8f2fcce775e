using AgentRnn.Host.Models;
using AgentRnn.Memory;
using Xunit.Abstractions;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Tests.Host.Models;

public sealed class PolicyModelCostTests(ITestOutputHelper output)
{
    [Fact]
    public void FlopsPerFrame_VectorGruWithCriticMemory_CountsEveryMatrix()
    {
        // MLP 5→8→4, two GRU cores (4+6)·3·6 each, actor 6→(3+2), critic 6→1.
        ModelConfig config = ModelConfig.ForVectors(5, ActionSpec.MultiDiscrete(3, 2), [8, 4], CellKind.Gru, hiddenSize: 6) with { CriticMemory = true };
        PolicyModel model = PolicyModel.CreateRandom(config, 1);

        long expected = 2L * (5 * 8 + 8 * 4 + 2 * (4 + 6) * 3 * 6 + 6 * 5 + 6);
        Assert.Equal(expected, model.FlopsPerFrame);
    }

    [Fact]
    public void FlopsPerFrame_ImpalaTwoLayerLstm_CountsConvolutionsAndLayers()
    {
        // 3x16x16 → stages at 16², 8², 4² (pooled 8², 4², 2²) with 4, 8, 8 channels → linear 32 → 10.
        ModelConfig config = ModelConfig.ForFrames(new PreprocessConfig(16, 16, false, 1, 1f / 255f), ActionSpec.Discrete(2), EncoderKind.Impala, CellKind.Lstm, hiddenSize: 5)
            with { ImpalaChannels = [4, 8, 8], FeatureSize = 10, Layers = 2 };
        PolicyModel model = PolicyModel.CreateRandom(config, 2);

        long conv = 256L * 4 * 27 + 4L * 64 * 4 * 36
            + 64L * 8 * 36 + 4L * 16 * 8 * 72
            + 16L * 8 * 72 + 4L * 4 * 8 * 72;
        long expected = 2 * (conv + 32 * 10 + (10 + 5) * 4 * 5 + (5 + 5) * 4 * 5 + 5 * 3);
        Assert.Equal(expected, model.FlopsPerFrame);
    }

    [Fact]
    public void Times_AfterSteps_SplitTheStepAndReset()
    {
        PolicyModel model = PolicyModel.CreateRandom(ModelConfig.ForFrames(new PreprocessConfig(36, 36, true, 2, 1f / 255f), ActionSpec.Discrete(3)) with { HiddenSize = 16, FeatureSize = 32 });
        PolicyOutputs outputs = model.CreateOutputs(2);
        var frames = new byte[2 * model.InputSize];
        var state = new float[2 * model.StateSize];

        for (int i = 0; i < 3; i++)
        {
            model.Step(frames, state, [], outputs, 2);
        }
        output.WriteLine($"encoder {model.EncoderTime.TotalMilliseconds:F3} ms, memory {model.MemoryTime.TotalMilliseconds:F3} ms, heads {model.HeadsTime.TotalMilliseconds:F3} ms");

        Assert.True(model.EncoderTime > TimeSpan.Zero && model.MemoryTime > TimeSpan.Zero && model.HeadsTime > TimeSpan.Zero);
        model.ResetTimes();
        Assert.Equal((TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero), (model.EncoderTime, model.MemoryTime, model.HeadsTime));
    }
}
