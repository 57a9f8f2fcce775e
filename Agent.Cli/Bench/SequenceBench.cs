using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AgentRnn.Core;
using AgentRnn.Core.Compute;
using AgentRnn.Host.Models;

namespace AgentRnn.Cli.Bench;

/// <summary>
/// `agent bench --sequence T`: whole-sequence throughput of the model's recurrent core on the chosen device, the
/// counterpart of tools/bench/torch_peer.py's <c>--sequence</c> (PyTorch's nn.LSTM over (T, N, F)). The core's input
/// (T·N rows of the encoder's width, random) sits on the device; one call steps N slots through T frames (one GEMM for
/// every frame's input gates, then the recurrence frame by frame). Reported: steps × streams per second, median of
/// the timed repetitions after one warm-up call, the device waited on.
/// </summary>
internal static class SequenceBench
{
    /// <summary>Timed repetitions after the warm-up.</summary>
    public const int Repetitions = 5;

    /// <summary>The most frames × streams one run takes (the input buffer's rows).</summary>
    public const long MaxRows = 1L << 22;

    public static SequenceReport Run(PolicyModel model, ComputeDevice device, int steps, int streams)
    {
        if (steps < 1 || streams < 1 || (long)steps * streams > MaxRows)
        {
            throw new AgentException($"--sequence {steps} × --streams {streams} must be at least 1 each and at most {MaxRows} frames in all");
        }
        ModelConfig config = model.Config;
        int features = model.FeatureSize;
        var spec = new RecurrentSpec(config.Cell, features, config.HiddenSize, config.Layers);
        IReadOnlyDictionary<string, Tensor> parameters = model.Parameters;
        RecurrentLayer core = device.CreateRecurrent(spec, name => parameters["memory." + name], streams);
        int rows = steps * streams;
        var x = new float[(long)rows * features];
        var random = new Random(0);
        for (int i = 0; i < x.Length; i++)
        {
            x[i] = (float)(random.NextDouble() * 2 - 1);
        }
        using DeviceBuffer<float> input = device.Upload<float>(x);
        using DeviceBuffer<float> output = device.Allocate<float>(checked(rows * config.HiddenSize));
        int[] slots = [.. Enumerable.Range(0, streams)];
        try
        {
            core.Sequence(input, slots, default, output, steps, streams);
            device.Synchronize();
            var seconds = new double[Repetitions];
            for (int r = 0; r < Repetitions; r++)
            {
                long start = Stopwatch.GetTimestamp();
                core.Sequence(input, slots, default, output, steps, streams);
                device.Synchronize();
                seconds[r] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            }
            Array.Sort(seconds);
            double median = seconds[Repetitions / 2];
            string what = $"{config.Cell.ToString().ToUpperInvariant()} {features}→{config.HiddenSize}" + (config.Layers > 1 ? $" ×{config.Layers}" : "");
            return new SequenceReport(what, device.Name, steps, streams, median, rows / median);
        }
        finally
        {
            core.Dispose();
        }
    }
}

/// <summary>One sequence-throughput measurement.</summary>
internal sealed record SequenceReport(string Core, string Device, int Sequence, int Streams, double Seconds, double StepsPerSecond)
{
    public void WriteTable(TextWriter output)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sequence: {Core} on {Device}, T={Sequence} × {Streams} streams, median of {SequenceBench.Repetitions}: {Seconds * 1e3:F2} ms a call, {StepsPerSecond:F0} steps×streams/s"));
    }

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("core", Core);
            json.WriteString("device", Device);
            json.WriteNumber("sequence", Sequence);
            json.WriteNumber("streams", Streams);
            json.WriteNumber("seconds", Math.Round(Seconds, 6));
            json.WriteNumber("steps_per_s", Math.Round(StepsPerSecond, 1));
            json.WriteNumber("fps", Math.Round(StepsPerSecond, 1));
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
