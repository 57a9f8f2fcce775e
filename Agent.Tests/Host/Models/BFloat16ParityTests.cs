using AgentRnn.Core.Kernels;
using AgentRnn.Host.Bench;
using AgentRnn.Host.Models;
using AgentRnn.Host.Pipeline;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Models;

/// <summary>
/// `--precision bf16` (bfloat16 fully connected weights) against float32: its own tolerance, as BENCHMARKS.md states it:
/// the same greedy action on at least 99% of the parity frames, and the largest probability error.
/// </summary>
public sealed class BFloat16ParityTests(ITestOutputHelper output)
{
    private const double MinimumAgreement = 0.99;
    private const float ProbabilityTolerance = 1e-3f;

    [Theory]
    [InlineData("cleanrl")]
    [InlineData("sb3")]
    public void Step_BFloat16Weights_KeepThePyTorchTwinsGreedyActions(string name)
    {
        var fixture = new ModelFixture(name);
        PolicyModel model;
        using (LinearPrecision.Use(WeightPrecision.BFloat16))
        {
            model = PolicyModel.Load(fixture.ModelPath);
        }
        int batch = fixture.Batch;
        int width = model.ActionCount;
        PolicyOutputs outputs = model.CreateOutputs(batch);
        float[] state = fixture.InitialState(model);
        int same = 0, frames = 0;
        float worst = 0f;
        for (int t = 0; t < fixture.Steps; t++)
        {
            model.Step(fixture.Frames(t), state, fixture.Row("episode_starts", t), outputs, batch);
            ReadOnlySpan<float> expected = fixture.Row("probs", t);
            for (int b = 0; b < batch; b++)
            {
                same += ArgMax(expected.Slice(b * width, width)) == outputs.Actions[b] ? 1 : 0;
                frames++;
            }
            worst = Math.Max(worst, NumericAssert.MaxAbsError(expected, outputs.Probabilities.AsSpan(0, batch * width)));
        }
        Report(name + " vs the PyTorch twin", same, frames, worst);
    }

    [Fact]
    public void Step_BFloat16Weights_KeepTheDefaultModelsGreedyActionsOnGameFrames()
    {
        const int Streams = 4, Steps = 64;
        PolicyModel full = PolicyModel.CreateDefault(ModelFactory.DefaultSeed);
        PolicyModel half;
        using (LinearPrecision.Use(WeightPrecision.BFloat16))
        {
            half = PolicyModel.CreateDefault(ModelFactory.DefaultSeed);
        }
        int size = full.InputSize;
        var frames = new byte[Streams * size];
        var sources = Enumerable.Range(0, Streams).Select(s => new SyntheticFrameSource(s, ModelFactory.Preprocess(full), Steps)).ToArray();
        float[] fullState = new float[Streams * full.StateSize], halfState = new float[Streams * full.StateSize];
        PolicyOutputs fullOut = full.CreateOutputs(Streams), halfOut = half.CreateOutputs(Streams);
        int same = 0;
        float worst = 0f;
        try
        {
            for (int t = 0; t < Steps; t++)
            {
                for (int s = 0; s < Streams; s++)
                {
                    Assert.True(sources[s].Read(frames.AsSpan(s * size, size), out _));
                }
                full.Step(frames, fullState, [], fullOut, Streams);
                half.Step(frames, halfState, [], halfOut, Streams);
                for (int s = 0; s < Streams; s++)
                {
                    same += fullOut.Actions[s] == halfOut.Actions[s] ? 1 : 0;
                }
                worst = Math.Max(worst, NumericAssert.MaxAbsError(fullOut.Probabilities.AsSpan(0, Streams * full.ActionCount), halfOut.Probabilities.AsSpan(0, Streams * full.ActionCount)));
            }
        }
        finally
        {
            foreach (SyntheticFrameSource source in sources)
            {
                source.Dispose();
            }
        }
        Report("default model on synthetic game frames vs float32 weights", same, Streams * Steps, worst);
        Assert.True(worst > 0, "the scope gave the model bfloat16 weights, so its outputs moved");
    }

    private void Report(string what, int same, int frames, float worst)
    {
        output.WriteLine($"bf16, {what}: same greedy action on {same} of {frames} frames ({100.0 * same / frames:F1}%, need {100 * MinimumAgreement:F0}%); "
            + $"largest probability error {worst:E2} (tolerance {ProbabilityTolerance:E0})");
        Assert.True(same >= MinimumAgreement * frames, $"{what}: {same} of {frames} greedy actions agree");
        Assert.True(worst <= ProbabilityTolerance, $"{what}: probability error {worst}");
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            best = values[i] > values[best] ? i : best;
        }
        return best;
    }
}
