using AgentRnn.Host.Models;
using AgentRnn.Memory;
using AgentRnn.Vision;
using Xunit;

namespace AgentRnn.Tests.Host.Brain;

/// <summary>The front door: batched steps per agent id, episode starts, memory save/restore, no steady-state allocation.</summary>
public sealed class AgentBrainTests
{
    private const int W = 64, H = 48;

    // A frame that changes with the agent and the tick, so memory and frame stacks matter.
    private static byte[] Frame(int agent, int tick)
    {
        var pixels = new byte[W * H * 4];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)((i * 7 + agent * 31 + tick * 13 + (i / (W * 4)) * tick) & 0xFF);
        }
        return pixels;
    }

    private static GameFrame Game(byte[] pixels) => new(pixels, W, H, PixelFormat.Rgba);

    [Fact]
    public void BatchedStepsEqualTheModelSteppedPerAgent()
    {
        using AgentBrain brain = AgentBrain.CreateDefault(seed: 3);
        PolicyModel model = PolicyModel.CreateDefault(3);
        var pre = new FramePreprocessor[3];
        var state = new float[3][];
        for (int a = 0; a < 3; a++)
        {
            pre[a] = new FramePreprocessor(W, H, PixelFormat.Rgba, model.Config.Preprocess!.ToVisionOptions());
            state[a] = new float[model.StateSize];
        }
        PolicyOutputs outputs = model.CreateOutputs(1);
        for (int tick = 0; tick < 5; tick++)
        {
            for (int a = 0; a < 3; a++)
            {
                brain.Observe(a + 10, Game(Frame(a, tick)));
            }
            Assert.Equal(3, brain.PendingCount);
            brain.Step();
            Assert.Equal(0, brain.PendingCount);
            for (int a = 0; a < 3; a++)
            {
                pre[a].Push(Game(Frame(a, tick)));
                model.Step(pre[a].Observation, state[a], default, outputs, 1);
                AgentDecision d = brain.DecisionOf(a + 10);
                Assert.Equal(outputs.Actions[0], d.Action);
                Assert.Equal(outputs.Actions[0], brain.ActionOf(a + 10));
                Assert.Equal(outputs.Values[0], d.Value, 5);
                for (int k = 0; k < 6; k++)
                {
                    Assert.Equal(outputs.Probabilities[k], d.Probabilities.Span[k], 5); // 1e-5: batch 3 vs batch 1 GEMM blocking
                }
                Assert.Equal(tick + 1, d.Step);
            }
        }
    }

    [Fact]
    public void StartEpisodeForgetsMemoryAndFrameStack()
    {
        using AgentBrain brain = AgentBrain.CreateDefault(seed: 1);
        for (int tick = 0; tick < 4; tick++)
        {
            brain.Act(1, Game(Frame(1, tick)));
        }
        brain.StartEpisode(1);
        for (int tick = 0; tick < 3; tick++)
        {
            brain.Observe(1, Game(Frame(2, tick)));
            brain.Observe(2, Game(Frame(2, tick)));
            brain.Step();
            Assert.Equal(brain.DecisionOf(2).Probabilities.ToArray(), brain.DecisionOf(1).Probabilities.ToArray());
            Assert.Equal(brain.DecisionOf(2).Value, brain.DecisionOf(1).Value);
        }
    }

    [Fact]
    public void RestoredMemoryContinuesExactlyAndRefusesAnotherModel()
    {
        using AgentBrain brain = AgentBrain.CreateDefault(seed: 5);
        for (int tick = 0; tick < 3; tick++)
        {
            brain.Observe(7, Game(Frame(7, tick)));
            brain.Observe(8, Game(Frame(8, tick)));
            brain.Step();
        }
        byte[] saved = brain.SaveMemory();
        byte[] only8 = brain.SaveMemory([8]);
        Assert.True(only8.Length < saved.Length);
        var expected = new List<float[]>();
        for (int tick = 3; tick < 6; tick++)
        {
            brain.Observe(7, Game(Frame(7, tick)));
            brain.Step();
            expected.Add(brain.DecisionOf(7).Probabilities.ToArray());
        }

        using AgentBrain other = AgentBrain.CreateDefault(seed: 5);
        other.RestoreMemory(saved);
        Assert.Equal(2, other.AgentCount);
        Assert.Equal(3, other.DecisionOf(7).Step);
        for (int tick = 3; tick < 6; tick++)
        {
            other.Observe(7, Game(Frame(7, tick)));
            other.Step();
            Assert.Equal(expected[tick - 3], other.DecisionOf(7).Probabilities.ToArray());
        }

        string path = Path.Combine(Path.GetTempPath(), $"agentrnn-brain-{Guid.NewGuid():N}.mem");
        try
        {
            brain.SaveMemory(path, [7]);
            using AgentBrain fromFile = AgentBrain.CreateDefault(seed: 5);
            fromFile.RestoreMemory(path);
            Assert.Equal([7], fromFile.AgentIds());
        }
        finally
        {
            File.Delete(path);
        }

        using AgentBrain wrongModel = AgentBrain.CreateDefault(seed: 6);
        var e = Assert.Throws<StateSnapshotException>(() => wrongModel.RestoreMemory(saved));
        Assert.Contains("saved by model", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(0, wrongModel.AgentCount);
        Assert.Throws<StateSnapshotException>(() => other.RestoreMemory(saved.AsSpan(0, saved.Length - 3)));
        Assert.Throws<StateSnapshotException>(() => other.RestoreMemory(new byte[10]));
    }

    [Fact]
    public void SteadyStateStepsAllocateNothing()
    {
        using AgentBrain brain = AgentBrain.CreateDefault(seed: 2, new AgentBrainOptions { Threads = 1 });
        byte[][] frames = [Frame(0, 0), Frame(1, 1), Frame(2, 2), Frame(3, 3)];
        void Tick()
        {
            for (int a = 0; a < frames.Length; a++)
            {
                brain.Observe(a, Game(frames[a]));
            }
            brain.Step();
            for (int a = 0; a < frames.Length; a++)
            {
                _ = brain.DecisionOf(a).Probabilities.Span[0] + brain.ActionOf(a);
            }
            brain.StartEpisode(0);
        }
        for (int i = 0; i < 3; i++)
        {
            Tick();
        }
        long least = long.MaxValue;
        for (int window = 0; window < 3; window++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 10; i++)
            {
                Tick();
            }
            least = Math.Min(least, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, least);
    }

    [Fact]
    public void VectorModelsAndBadCalls()
    {
        PolicyModel model = PolicyModel.CreateRandom(ModelConfig.ForVectors(5, ActionSpec.MultiDiscrete(3, 2), hiddenSize: 16), seed: 4);
        using AgentBrain brain = AgentBrain.FromModel(model);
        Assert.False(brain.Model.TakesFrames);
        Assert.Equal(64, brain.Model.Fingerprint.Length);
        brain.Observe(1, [0.1f, 0.2f, 0.3f, 0.4f, 0.5f]);
        brain.Step();
        AgentDecision d = brain.DecisionOf(1);
        Assert.Equal(2, d.Actions.Length);
        Assert.InRange(d.Actions.Span[0], 0, 2);
        Assert.InRange(d.Actions.Span[1], 0, 1);
        Assert.Throws<InvalidOperationException>(() => brain.Observe(1, Game(Frame(0, 0))));
        Assert.Throws<ArgumentException>(() => brain.Observe(1, [1f]));
        Assert.Contains("not known", Assert.Throws<ArgumentException>(() => brain.ActionOf(99)).Message);
        Assert.True(brain.Remove(1));
        Assert.False(brain.Remove(1));
        Assert.Equal(0, brain.AgentCount);
    }

    [Fact]
    public async Task AsyncBrainBatchesRequestsAndMatchesTheSyncBrain()
    {
        using AgentBrain reference = AgentBrain.CreateDefault(seed: 9);
        using var brain = new AsyncAgentBrain(AgentBrain.CreateDefault(seed: 9));
        for (int tick = 0; tick < 3; tick++)
        {
            var pending = new ValueTask<AgentDecision>[4];
            for (int a = 0; a < 4; a++)
            {
                pending[a] = brain.ActAsync(a, Game(Frame(a, tick)));
                reference.Observe(a, Game(Frame(a, tick)));
            }
            reference.Step();
            for (int a = 0; a < 4; a++)
            {
                AgentDecision d = await pending[a];
                Assert.Equal(a, d.AgentId);
                Assert.Equal(reference.ActionOf(a), d.Action);
                Assert.Equal(reference.DecisionOf(a).Value, d.Value, 5);
            }
        }
        brain.StartEpisode(0);
        Assert.NotEmpty(brain.SaveMemory());
        Assert.True(brain.Remove(3));
        var inFlight = brain.ActAsync(1, Game(Frame(1, 9)));
        // A second request for the same agent before the first completes is refused, unless the first already finished.
        try
        {
            _ = brain.ActAsync(1, Game(Frame(1, 10)));
        }
        catch (InvalidOperationException)
        {
        }
        await inFlight;
    }
}
