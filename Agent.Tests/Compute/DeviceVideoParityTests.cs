using AgentRnn.Core.Compute.Network;
using AgentRnn.Host.Accelerated;
using AgentRnn.Host.Models;
using AgentRnn.Tests.Host.Label;
using AgentRnn.Vision;
using Xunit.Abstractions;

namespace AgentRnn.Tests.Compute;

/// <summary>
/// A video's frames as `agent label` feeds them (decode, Atari preprocessing, 4-frame stack) through the default
/// CleanRL-shaped model: the CPU <see cref="PolicyModel"/> stepped frame by frame against <see cref="DevicePolicyNetwork"/>
/// on ILGPU's CPU accelerator, both as per-frame steps and as one whole-video sequence. Tolerance 1e-4 on logits and values.
/// </summary>
public sealed class DeviceVideoParityTests(IlgpuDeviceFixture fixture, ITestOutputHelper output) : IClassFixture<IlgpuDeviceFixture>, IDisposable
{
    private const double Tolerance = 1e-4;
    private const int Frames = 24;
    private readonly string _directory = TestVideos.Directory();

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void DevicePolicyNetwork_VideoFrames_MatchCpuPolicyModelStepAndSequence()
    {
        string video = TestVideos.Write(_directory, "parity.avi", Frames);
        PolicyModel model = PolicyModel.CreateDefault(seed: 7);
        int width = model.ActionCount + 1;

        var observations = new List<byte[]>();
        using (VideoSource source = VideoSource.Open(video))
        using (var preprocessor = new FramePreprocessor(source.Width, source.Height, source.Format, new PreprocessOptions()))
        {
            var frame = new byte[source.FrameBytes];
            while (source.Read(frame, out _))
            {
                preprocessor.Push(frame);
                observations.Add(preprocessor.Observation.ToArray());
            }
        }
        Assert.Equal(Frames, observations.Count);

        var expected = new float[Frames * width];
        PolicyOutputs outputs = model.CreateOutputs(1);
        var state = new float[model.StateSize];
        float[] start = [1f];
        for (int t = 0; t < Frames; t++)
        {
            model.Step(observations[t], state, t == 0 ? start : default, outputs, 1);
            outputs.LogitsRow(0).CopyTo(expected.AsSpan(t * width));
            expected[t * width + width - 1] = outputs.Values[0];
        }

        using var network = new DevicePolicyNetwork(fixture.Device, model.ToNetworkSpec(), capacity: Frames);
        var stepped = new float[expected.Length];
        for (int t = 0; t < Frames; t++)
        {
            network.Step(observations[t], t == 0 ? start : default, stepped.AsSpan(t * width), 1);
        }
        Check("video frames, ILGPU step by step vs CPU PolicyModel", expected, stepped);

        var starts = new float[Frames];
        starts[0] = 1f;
        var sequence = new float[expected.Length];
        network.Sequence([.. observations.SelectMany(o => o)], starts, sequence, Frames, slot: 1);
        Check("video frames, ILGPU whole-video sequence vs CPU PolicyModel", expected, sequence);
    }

    private void Check(string what, float[] expected, float[] actual)
    {
        double worst = ComputeReference.MaxError(expected, actual);
        output.WriteLine($"{what}: worst |error| {worst:E2} (tolerance {Tolerance:E0})");
        Assert.True(worst <= Tolerance, $"{what}: worst |error| {worst:E3} > {Tolerance:E0}");
    }
}
