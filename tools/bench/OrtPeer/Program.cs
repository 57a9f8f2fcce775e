// The ONNX Runtime peer of `agent bench --model-only` (tools/bench/ab_ort.sh): the bench's model, exported from the
// PyTorch twin (tools/reference/export_onnx.py), stepped frame by frame through the C# OrtValue API with the LSTM state
// fed back, as a C# user of ONNX Runtime would run it.
//
//   OrtPeer write-model OUT.safetensors
//       writes `agent bench`'s default model (PolicyModel.CreateDefault(seed 0)) for the exporter
//   OrtPeer bench --onnx MODEL.onnx [--streams B] [--frames F] [--threads T] [--engine ort|ours]
//       F frames in all (F/B steps of B streams), T intra-op threads (default 2); prints one JSON line:
//       fps, streams, frames, seconds, cpu_s, latency_ms {p50, p99} per step, threads, engine, onnxruntime.
//       --engine ours steps our PolicyModel in the same loop (T kernel threads), for a step latency measured the same
//       way on both sides: `agent bench` reports latency through its pipeline (source -> model -> sink threads).
//   OrtPeer check --onnx MODEL.onnx [--streams B] [--steps S] [--tolerance E] [--precision fp32|bf16]
//       steps ORT and our PolicyModel (the same default model) on the same frames with their own state fed back,
//       prints the largest differences of probabilities, value, h and c; exit 1 when one exceeds E (default 1e-4).
//       With --precision bf16 ours stores its fully connected weights as bfloat16 and passes when the greedy actions
//       agree on at least 99% of the frames (its own tolerance), reporting the same differences.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AgentRnn.Host.Bench;
using AgentRnn.Host.Models;
using AgentRnn.Host.Pipeline;
using AgentRnn.Vision;
using Microsoft.ML.OnnxRuntime;

const int Observations = 64; // distinct ready frames cycled, as `agent bench --model-only` does

try
{
    return args.Length == 0 ? Usage() : args[0] switch
    {
        "write-model" when args.Length == 2 => WriteModel(args[1]),
        "bench" => Bench(Options(args)),
        "check" => Check(Options(args)),
        _ => Usage(),
    };
}
catch (Exception e) when (e is ArgumentException or OnnxRuntimeException or IOException)
{
    Console.Error.WriteLine($"OrtPeer: {e.Message}");
    return 1;
}

static int Usage()
{
    Console.Error.WriteLine("usage: OrtPeer write-model OUT.safetensors | bench --onnx M [--streams B] [--frames F] [--threads T] | check --onnx M [--streams B] [--steps S] [--tolerance E]");
    return 2;
}

static int WriteModel(string path)
{
    PolicyModel.CreateDefault(ModelFactory.DefaultSeed).Save(path);
    Console.WriteLine($"wrote {path}: {ModelFactory.DefaultDescription}");
    return 0;
}

static Dictionary<string, string> Options(string[] args)
{
    var options = new Dictionary<string, string>(StringComparer.Ordinal);
    for (int i = 1; i < args.Length; i += 2)
    {
        if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
        {
            throw new ArgumentException($"expected --name value pairs, got '{args[i]}'");
        }
        options[args[i][2..]] = args[i + 1];
    }
    if (!options.ContainsKey("onnx"))
    {
        throw new ArgumentException("--onnx MODEL.onnx is required");
    }
    return options;
}

static int Int(Dictionary<string, string> options, string name, int fallback) =>
    options.TryGetValue(name, out string? v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

// The bench's ready observations: the synthetic game through the default model's preprocessing.
static byte[] ReadyObservations(PolicyModel model, out int size)
{
    using var source = new SyntheticFrameSource(0, ModelFactory.Preprocess(model), Observations);
    size = source.ObservationSize;
    var observations = new byte[Observations * size];
    for (int i = 0; i < Observations; i++)
    {
        source.Read(observations.AsSpan(i * size, size), out _);
    }
    return observations;
}

static InferenceSession OpenSession(string path, int threads)
{
    using var options = new SessionOptions
    {
        IntraOpNumThreads = threads,
        InterOpNumThreads = 1,
        ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
    };
    return new InferenceSession(path, options);
}

static int Bench(Dictionary<string, string> options)
{
    int streams = Int(options, "streams", 1);
    int frames = Int(options, "frames", 2000);
    int threads = Int(options, "threads", 2);
    if (streams < 1 || frames < streams)
    {
        throw new ArgumentException($"--streams {streams} and --frames {frames}: need at least one frame per stream");
    }
    string engine = options.TryGetValue("engine", out string? e) ? e : "ort";
    if (engine is not ("ort" or "ours"))
    {
        throw new ArgumentException($"--engine is ort or ours, not '{engine}'");
    }
    // Our kernels get the same thread cap as ONNX Runtime, on this model's own CPU device.
    PolicyModel model = PolicyModel.CreateDefault(ModelFactory.DefaultSeed,
        new AgentRnn.Core.Compute.Cpu.CpuDeviceOptions { Threads = Math.Min(threads, AgentRnn.Core.Kernels.KernelParallelism.Available) });
    byte[] observations = ReadyObservations(model, out int size);
    using InferenceSession session = OpenSession(options["onnx"], threads);
    using var stepper = new Stepper(session, model, streams, size);
    var ours = new OursStepper(model, streams, size);
    Action<int> step = engine == "ours" ? t => ours.Step(observations, t) : t => stepper.Step(observations, t);
    int steps = frames / streams;
    int warmup = 8;
    for (int t = 0; t < warmup; t++)
    {
        step(t);
    }
    var latencies = new double[steps];
    TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
    long start = Stopwatch.GetTimestamp();
    for (int t = 0; t < steps; t++)
    {
        long before = Stopwatch.GetTimestamp();
        step(warmup + t);
        latencies[t] = Stopwatch.GetElapsedTime(before).TotalMilliseconds;
    }
    double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
    cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu;
    Array.Sort(latencies);
    using var buffer = new MemoryStream();
    using (var json = new Utf8JsonWriter(buffer))
    {
        json.WriteStartObject();
        json.WriteNumber("fps", Math.Round(steps * streams / seconds, 3));
        json.WriteNumber("streams", streams);
        json.WriteNumber("frames", (long)steps * streams);
        json.WriteNumber("seconds", Math.Round(seconds, 3));
        json.WriteNumber("cpu_s", Math.Round(cpu.TotalSeconds, 3));
        json.WriteStartObject("latency_ms");
        json.WriteNumber("p50", Math.Round(Percentile(latencies, 0.50), 3));
        json.WriteNumber("p99", Math.Round(Percentile(latencies, 0.99), 3));
        json.WriteEndObject();
        json.WriteNumber("threads", threads);
        json.WriteString("engine", engine);
        json.WriteNumber("action_sum", engine == "ours" ? ours.ActionSum : stepper.ActionSum);
        json.WriteString("onnxruntime", typeof(InferenceSession).Assembly.GetName().Version?.ToString());
        json.WriteEndObject();
    }
    Console.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    return 0;
}

// Nearest-rank percentile of sorted values.
static double Percentile(double[] sorted, double q) => sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];

static int Check(Dictionary<string, string> options)
{
    int streams = Int(options, "streams", 3);
    int steps = Int(options, "steps", 64);
    double tolerance = options.TryGetValue("tolerance", out string? e) ? double.Parse(e, CultureInfo.InvariantCulture) : 1e-4;
    bool half = options.TryGetValue("precision", out string? p) && p == "bf16";
    PolicyModel model;
    using (AgentRnn.Core.Kernels.LinearPrecision.Use(half ? AgentRnn.Core.Kernels.WeightPrecision.BFloat16 : AgentRnn.Core.Kernels.WeightPrecision.Float32))
    {
        model = PolicyModel.CreateDefault(ModelFactory.DefaultSeed);
    }
    byte[] observations = ReadyObservations(model, out int size);
    using InferenceSession session = OpenSession(options["onnx"], 2);
    using var stepper = new Stepper(session, model, streams, size);
    int hidden = model.Config.HiddenSize;
    var state = new float[streams * model.StateSize];
    PolicyOutputs outputs = model.CreateOutputs(streams);
    var frames = new byte[streams * size];
    double probs = 0, value = 0, h = 0, c = 0;
    int sameAction = 0;
    for (int t = 0; t < steps; t++)
    {
        stepper.Gather(observations, t, frames);
        stepper.Step(observations, t);
        model.Step(frames, state, [], outputs, streams);
        int width = model.ActionCount;
        for (int b = 0; b < streams; b++)
        {
            for (int a = 0; a < width; a++)
            {
                probs = Math.Max(probs, Math.Abs(outputs.Probabilities[b * width + a] - stepper.Probabilities[b * width + a]));
            }
            value = Math.Max(value, Math.Abs(outputs.Values[b] - stepper.Values[b]));
            sameAction += outputs.Actions[b] == stepper.Actions[b] ? 1 : 0;
            for (int j = 0; j < hidden; j++)
            {
                h = Math.Max(h, Math.Abs(state[b * model.StateSize + j] - stepper.H[b * hidden + j]));
                c = Math.Max(c, Math.Abs(state[b * model.StateSize + hidden + j] - stepper.C[b * hidden + j]));
            }
        }
    }
    double worst = Math.Max(Math.Max(probs, value), Math.Max(h, c));
    bool pass = half ? sameAction >= 0.99 * steps * streams : worst <= tolerance;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"check{(half ? " (ours with bf16 weights)" : "")}: {steps} steps x {streams} streams, state fed back on each side; largest |ours - ORT|: probabilities {probs:E2}, value {value:E2}, h {h:E2}, c {c:E2}; same greedy action on {sameAction} of {steps * streams} frames; {(half ? "need 99% of the actions" : $"tolerance {tolerance:E0}")}: {(pass ? "pass" : "FAIL")}"));
    return pass ? 0 : 1;
}

/// <summary>Our PolicyModel stepped frame by frame over the same frames as <see cref="Stepper"/>, its state fed back in place.</summary>
internal sealed class OursStepper(PolicyModel model, int streams, int observationSize)
{
    private readonly byte[] _frames = new byte[streams * observationSize];
    private readonly float[] _state = new float[streams * model.StateSize];
    private readonly PolicyOutputs _outputs = model.CreateOutputs(streams);

    /// <summary>Sum of all greedy actions so far.</summary>
    public long ActionSum { get; private set; }

    /// <summary>One step on the frames of step t (stream b reads observation (t + b) mod count).</summary>
    public void Step(byte[] observations, int t)
    {
        int count = observations.Length / observationSize;
        for (int b = 0; b < streams; b++)
        {
            Buffer.BlockCopy(observations, (t + b) % count * observationSize, _frames, b * observationSize, observationSize);
        }
        model.Step(_frames, _state, [], _outputs, streams);
        for (int b = 0; b < streams; b++)
        {
            ActionSum += _outputs.Actions[b];
        }
    }
}

/// <summary>
/// One ORT session stepped frame by frame over fixed buffers: the frames tensor and two sets of (h, c) that swap roles
/// every step, so the new state is fed back without a copy.
/// </summary>
internal sealed class Stepper : IDisposable
{
    private static readonly string[] InputNames = ["frames", "h", "c"];
    private static readonly string[] OutputNames = ["probs", "value", "h_out", "c_out"];

    private readonly InferenceSession _session;
    private readonly RunOptions _run = new();
    private readonly int _streams;
    private readonly int _size;
    private readonly int _actions;
    private readonly byte[] _frames;
    private readonly float[][] _h;
    private readonly float[][] _c;
    private readonly OrtValue[][] _inputs;
    private readonly OrtValue[][] _outputs;
    private readonly List<OrtValue> _owned = [];
    private int _current;

    public Stepper(InferenceSession session, PolicyModel model, int streams, int observationSize)
    {
        _session = session;
        _streams = streams;
        _size = observationSize;
        _actions = model.ActionCount;
        int hidden = model.Config.HiddenSize;
        int layers = model.Config.Layers;
        ModelConfig config = model.Config;
        _frames = GC.AllocateArray<byte>(streams * observationSize, pinned: true);
        Probabilities = GC.AllocateArray<float>(streams * _actions, pinned: true);
        Values = GC.AllocateArray<float>(streams, pinned: true);
        Actions = new int[streams];
        _h = [GC.AllocateArray<float>(layers * streams * hidden, pinned: true), GC.AllocateArray<float>(layers * streams * hidden, pinned: true)];
        _c = [GC.AllocateArray<float>(layers * streams * hidden, pinned: true), GC.AllocateArray<float>(layers * streams * hidden, pinned: true)];
        long[] stateShape = [layers, streams, hidden];
        OrtValue frames = Own(OrtValue.CreateTensorValueFromMemory(_frames, [streams, config.Channels, config.Height, config.Width]));
        OrtValue probs = Own(OrtValue.CreateTensorValueFromMemory(Probabilities, [streams, _actions]));
        OrtValue values = Own(OrtValue.CreateTensorValueFromMemory(Values, [streams, 1]));
        var h = new[] { Own(OrtValue.CreateTensorValueFromMemory(_h[0], stateShape)), Own(OrtValue.CreateTensorValueFromMemory(_h[1], stateShape)) };
        var c = new[] { Own(OrtValue.CreateTensorValueFromMemory(_c[0], stateShape)), Own(OrtValue.CreateTensorValueFromMemory(_c[1], stateShape)) };
        _inputs = [[frames, h[0], c[0]], [frames, h[1], c[1]]];
        _outputs = [[probs, values, h[1], c[1]], [probs, values, h[0], c[0]]];
    }

    /// <summary>(streams, actions) of the last step.</summary>
    public float[] Probabilities { get; }

    /// <summary>(streams) of the last step.</summary>
    public float[] Values { get; }

    /// <summary>The greedy action per stream of the last step (argmax, the first on ties).</summary>
    public int[] Actions { get; }

    /// <summary>Sum of all greedy actions so far (keeps the argmax from being optimised away).</summary>
    public long ActionSum { get; private set; }

    /// <summary>The current h, (layers, streams, hidden).</summary>
    public float[] H => _h[_current];

    /// <summary>The current c, (layers, streams, hidden).</summary>
    public float[] C => _c[_current];

    /// <summary>Frames of step t: stream b reads observation (t + b) mod count.</summary>
    public void Gather(byte[] observations, int t, byte[] destination)
    {
        int count = observations.Length / _size;
        for (int b = 0; b < _streams; b++)
        {
            Buffer.BlockCopy(observations, (t + b) % count * _size, destination, b * _size, _size);
        }
    }

    /// <summary>One step on the frames of step t; the new state becomes the input of the next step.</summary>
    public void Step(byte[] observations, int t)
    {
        Gather(observations, t, _frames);
        _session.Run(_run, InputNames, _inputs[_current], OutputNames, _outputs[_current]);
        _current ^= 1;
        for (int b = 0; b < _streams; b++)
        {
            int best = 0;
            for (int a = 1; a < _actions; a++)
            {
                if (Probabilities[b * _actions + a] > Probabilities[b * _actions + best])
                {
                    best = a;
                }
            }
            Actions[b] = best;
            ActionSum += best;
        }
    }

    public void Dispose()
    {
        foreach (OrtValue value in _owned)
        {
            value.Dispose();
        }
        _run.Dispose();
    }

    private OrtValue Own(OrtValue value)
    {
        _owned.Add(value);
        return value;
    }
}
