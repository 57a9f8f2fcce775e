using AgentRnn.Host.Models;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Host.Models;

/// <summary>
/// Each layout against the PyTorch twin's golden outputs (tools/reference/fixtures_models.py): every step's logits,
/// probabilities and values, and the final recurrent state, over sequences with episode starts mid-way.
/// Tolerances: 1e-4 on probabilities (and the Gaussian's std), 1e-3 on logits, values and states.
/// </summary>
public sealed class PolicyModelParityTests(ITestOutputHelper output)
{
    private const float ProbabilityTolerance = 1e-4f;
    private const float LogitTolerance = 1e-3f;

    [Theory]
    [InlineData("cleanrl", ModelLayout.CleanRl)]
    [InlineData("sb3", ModelLayout.Sb3RecurrentPpo)]
    [InlineData("ours_mlp_gru_gaussian", ModelLayout.Ours)]
    [InlineData("ours_mlp_lstm_multidiscrete", ModelLayout.Ours)]
    [InlineData("ours_mlp_rnn_discrete", ModelLayout.Ours)]
    public void Step_GoldenFixture_MatchesPyTorchTwin(string name, ModelLayout layout)
    {
        var fixture = new ModelFixture(name);
        PolicyModel model = PolicyModel.Load(fixture.ModelPath);
        Assert.Equal(layout, model.Config.Layout);
        RunAndCompare(output, name, model, fixture);
    }

    [Theory]
    [InlineData("cleanrl")]
    [InlineData("sb3")]
    [InlineData("ours_mlp_lstm_multidiscrete")]
    public void Save_ThenLoad_OursLayoutGivesTheSameOutputs(string name)
    {
        using var dir = new AgentRnn.Tests.Core.SafeTensors.TempDirectory();
        var fixture = new ModelFixture(name);
        PolicyModel original = PolicyModel.Load(fixture.ModelPath);
        string path = dir.File("ours.safetensors");
        original.Save(path);
        PolicyModel reloaded = PolicyModel.Load(path);
        Assert.Equal(ModelLayout.Ours, reloaded.Config.Layout);
        Assert.Equal((original.Config with { Layout = ModelLayout.Ours }).ToJson(), reloaded.Config.ToJson());
        Assert.Equal(original.ParameterCount, reloaded.ParameterCount);
        RunAndCompare(output, name + " via ours", reloaded, fixture);
    }

    internal static void RunAndCompare(ITestOutputHelper output, string name, PolicyModel model, ModelFixture fixture)
    {
        int batch = fixture.Batch;
        PolicyOutputs outputs = model.CreateOutputs(batch);
        float[] state = fixture.InitialState(model);
        float worstLogits = 0f, worstProbs = 0f, worstValues = 0f;
        bool box = model.Action.Kind == ActionKind.Box;
        for (int t = 0; t < fixture.Steps; t++)
        {
            if (fixture.HasFrames)
            {
                model.Step(fixture.Frames(t), state, fixture.Row("episode_starts", t), outputs, batch);
            }
            else
            {
                model.Step(fixture.Observations(t), state, fixture.Row("episode_starts", t), outputs, batch);
            }
            int width = batch * model.ActionCount;
            worstLogits = Math.Max(worstLogits, NumericAssert.MaxAbsError(fixture.Row("logits", t), outputs.Logits.AsSpan(0, width)));
            worstValues = Math.Max(worstValues, NumericAssert.MaxAbsError(fixture.Row("values", t), outputs.Values.AsSpan(0, batch)));
            if (box)
            {
                for (int b = 0; b < batch; b++)
                {
                    worstProbs = Math.Max(worstProbs, NumericAssert.MaxAbsError(fixture["std"].Data, outputs.ProbabilitiesRow(b)));
                }
                Assert.Equal(outputs.Logits.AsSpan(0, width).ToArray(), outputs.ContinuousActions.AsSpan(0, width).ToArray());
            }
            else
            {
                worstProbs = Math.Max(worstProbs, NumericAssert.MaxAbsError(fixture.Row("probs", t), outputs.Probabilities.AsSpan(0, width)));
                CheckGreedy(model.Action, outputs, batch);
            }
        }
        float worstState = NumericAssert.MaxAbsError(fixture.FinalState(model), state);
        output.WriteLine($"{name}: {fixture.Steps} steps x {batch} streams; worst abs error: logits {worstLogits:E2}, "
            + $"{(box ? "std" : "probabilities")} {worstProbs:E2}, values {worstValues:E2}, final state {worstState:E2}");
        Assert.True(worstLogits <= LogitTolerance, $"logits error {worstLogits}");
        Assert.True(worstProbs <= ProbabilityTolerance, $"probabilities error {worstProbs}");
        Assert.True(worstValues <= LogitTolerance, $"values error {worstValues}");
        Assert.True(worstState <= LogitTolerance, $"state error {worstState}");
    }

    private static void CheckGreedy(ActionSpec action, PolicyOutputs outputs, int batch)
    {
        int dims = action.ActionDimensions;
        for (int b = 0; b < batch; b++)
        {
            int offset = b * action.Width;
            for (int k = 0; k < dims; k++)
            {
                ReadOnlySpan<float> block = outputs.Logits.AsSpan(offset, action.Sizes[k]);
                int best = 0;
                for (int i = 1; i < block.Length; i++)
                {
                    best = block[i] > block[best] ? i : best;
                }
                Assert.Equal(best, outputs.Actions[b * dims + k]);
                offset += action.Sizes[k];
            }
        }
    }
}
