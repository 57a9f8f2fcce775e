using System.Globalization;
using AgentRnn.Core;
using AgentRnn.Host.Models;
using AgentRnn.Vision;

namespace AgentRnn.Host.Training;

/// <summary>Options of supervised training from per-frame labels.</summary>
public sealed record LabelTrainOptions
{
    /// <summary>Frames per truncated-BPTT sequence (each starts from a zero memory).</summary>
    public int SequenceLength { get; init; } = 32;

    /// <summary>Sequences per minibatch.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Passes over the training sequences.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Adam's learning rate.</summary>
    public float LearningRate { get; init; } = 1e-3f;

    /// <summary>Global gradient-norm clip.</summary>
    public float MaxGradNorm { get; init; } = 1f;

    /// <summary>Every k-th sequence of each video is held out for validation, k = round(1 / fraction).</summary>
    public float ValidationFraction { get; init; } = 0.2f;

    /// <summary>Seed of the initialisation and the shuffling.</summary>
    public int Seed { get; init; } = 1;
}

/// <summary>One epoch's numbers.</summary>
public sealed record LabelEpochStats(int Epoch, float TrainLoss, float TrainAccuracy, float ValidationAccuracy, int TrainFrames, int ValidationFrames);

/// <summary>
/// Supervised many-to-many training (the seeds' "synced sequence input and output"): every decoded frame of each video
/// goes through the model's preprocessing, the videos are cut into sequences of <see cref="LabelTrainOptions.SequenceLength"/>
/// frames (truncated BPTT, each from a zero memory), every k-th sequence is held out for validation, and the actor's
/// logits learn each frame's label by cross-entropy with Adam. Frames without a label carry no loss.
/// </summary>
public sealed class LabelTrainer
{
    private readonly List<(byte[] Frames, int[] Labels)> _videos = [];
    private readonly List<(int Video, int Start, int Length)> _train = [];
    private readonly List<(int Video, int Start, int Length)> _validation = [];
    private readonly LabelTrainOptions _o;

    /// <summary>A trainer of <paramref name="network"/> (a Discrete head of one output per class).</summary>
    public LabelTrainer(TrainingNetwork network, LabelTrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        if (network.Config.Action.Kind != ActionKind.Discrete || network.Config.Encoder == EncoderKind.Mlp)
        {
            throw new AgentException("training from labels needs an image model with one categorical head");
        }
        if (options.SequenceLength < 1 || options.BatchSize < 1 || options.Epochs < 1 || !(options.LearningRate > 0) || options.ValidationFraction is < 0 or >= 1)
        {
            throw new AgentException("--seq-len, --batch-size and --epochs must be at least 1, --learning-rate positive and --val-fraction in [0, 1)");
        }
        Network = network;
        _o = options;
        Optimizer = new Adam(network.Parameters, options.LearningRate, epsilon: 1e-5f);
    }

    /// <summary>The network being trained.</summary>
    public TrainingNetwork Network { get; }

    /// <summary>The optimizer.</summary>
    public Adam Optimizer { get; }

    /// <summary>Frames held for training and validation.</summary>
    public (int Train, int Validation) Frames => (_train.Sum(s => s.Length), _validation.Sum(s => s.Length));

    /// <summary>
    /// Decodes <paramref name="video"/> through the model's preprocessing; <paramref name="labels"/>[frame] is the
    /// class index or −1 (no label). Frames past the labels count as unlabelled.
    /// </summary>
    public int AddVideo(string video, IReadOnlyDictionary<int, int> labels)
    {
        PreprocessConfig p = Network.Config.Preprocess ?? throw new AgentException("the model has no preprocessing config");
        using VideoSource source = VideoSource.Open(video, new VideoSourceOptions { Format = PixelFormat.Bgr });
        using var pre = new FramePreprocessor(source.Width, source.Height, PixelFormat.Bgr, p.ToVisionOptions());
        var frames = new List<byte>();
        var ys = new List<int>();
        var buffer = new byte[source.FrameBytes];
        while (source.Read(buffer, out _))
        {
            pre.Push(buffer, source.RowBytes);
            frames.AddRange(pre.Observation.ToArray());
            ys.Add(labels.TryGetValue(ys.Count, out int y) ? y : -1);
        }
        if (ys.Count == 0)
        {
            throw new AgentException($"{video}: no frames decoded");
        }
        int index = _videos.Count;
        _videos.Add((frames.ToArray(), ys.ToArray()));
        int every = _o.ValidationFraction > 0 ? Math.Max(2, (int)Math.Round(1 / _o.ValidationFraction)) : int.MaxValue;
        int chunk = 0;
        for (int start = 0; start < ys.Count; start += _o.SequenceLength, chunk++)
        {
            var sequence = (index, start, Math.Min(_o.SequenceLength, ys.Count - start));
            (chunk % every == every - 1 ? _validation : _train).Add(sequence);
        }
        return ys.Count;
    }

    /// <summary>Trains for the epochs, reporting each.</summary>
    public void Run(Action<LabelEpochStats> onEpoch, CancellationToken cancellationToken = default)
    {
        if (_train.Count == 0)
        {
            throw new AgentException("no training frames: give longer videos or a smaller --val-fraction");
        }
        var random = new Random(_o.Seed);
        int t = _o.SequenceLength, b = _o.BatchSize, size = Network.Config.InputSize, width = Network.Config.Action.Width;
        var frames = new byte[t * b * size];
        var starts = new float[t * b];
        var labels = new int[t * b];
        var state = new float[b * Network.StateSize];
        var dLogits = new float[t * b * width];
        var dValues = new float[t * b];
        var order = _train.ToArray();
        var action = new float[1];
        for (int epoch = 1; epoch <= _o.Epochs; epoch++)
        {
            random.Shuffle(order);
            double lossSum = 0;
            int lossCount = 0;
            for (int first = 0; first < order.Length; first += b)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int count = Math.Min(b, order.Length - first);
                Gather(order.AsSpan(first, count), t, count, frames, starts, labels, state);
                Network.Forward(frames.AsSpan(0, t * count * size), t, count, starts, state);
                int labelled = labels.AsSpan(0, t * count).ToArray().Count(y => y >= 0);
                if (labelled == 0)
                {
                    continue;
                }
                Network.ZeroGrad();
                Array.Clear(dLogits);
                ReadOnlySpan<float> logits = Network.Logits;
                for (int r = 0; r < t * count; r++)
                {
                    if (labels[r] < 0)
                    {
                        continue;
                    }
                    action[0] = labels[r];
                    ReadOnlySpan<float> row = logits.Slice(r * width, width);
                    lossSum -= HeadMath.Evaluate(Network.Config.Action, row, [], action).LogProb;
                    lossCount++;
                    HeadMath.Backward(Network.Config.Action, row, [], action, -1f / labelled, 0f, dLogits.AsSpan(r * width, width), []);
                }
                Network.Backward(dLogits.AsSpan(0, t * count * width), dValues.AsSpan(0, t * count));
                Adam.ClipGlobalNorm(Network.Parameters, _o.MaxGradNorm);
                Optimizer.Step();
            }
            (float trainAcc, int trainFrames) = Accuracy(_train);
            (float valAcc, int valFrames) = Accuracy(_validation);
            onEpoch(new LabelEpochStats(epoch, lossCount == 0 ? float.NaN : (float)(lossSum / lossCount), trainAcc, valAcc, trainFrames, valFrames));
        }
    }

    /// <summary>Fraction of labelled frames whose most likely class is the label (NaN when none), and the labelled frame count.</summary>
    public (float Accuracy, int Frames) Accuracy(IReadOnlyList<(int Video, int Start, int Length)> sequences)
    {
        int t = _o.SequenceLength, b = _o.BatchSize, size = Network.Config.InputSize, width = Network.Config.Action.Width;
        var frames = new byte[t * b * size];
        var starts = new float[t * b];
        var labels = new int[t * b];
        var state = new float[b * Network.StateSize];
        int right = 0, total = 0;
        var all = sequences.ToArray();
        for (int first = 0; first < all.Length; first += b)
        {
            int count = Math.Min(b, all.Length - first);
            Gather(all.AsSpan(first, count), t, count, frames, starts, labels, state);
            Network.Forward(frames.AsSpan(0, t * count * size), t, count, starts, state);
            ReadOnlySpan<float> logits = Network.Logits;
            for (int r = 0; r < t * count; r++)
            {
                if (labels[r] < 0)
                {
                    continue;
                }
                ReadOnlySpan<float> row = logits.Slice(r * width, width);
                int best = 0;
                for (int j = 1; j < width; j++)
                {
                    if (row[j] > row[best])
                    {
                        best = j;
                    }
                }
                right += best == labels[r] ? 1 : 0;
                total++;
            }
        }
        return (total == 0 ? float.NaN : (float)right / total, total);
    }

    /// <summary>The validation sequences.</summary>
    public IReadOnlyList<(int Video, int Start, int Length)> ValidationSequences => _validation;

    // Time-major (t, j) rows; a sequence shorter than t is padded with unlabelled copies of its last frame.
    private void Gather(ReadOnlySpan<(int Video, int Start, int Length)> batch, int t, int count, byte[] frames, float[] starts, int[] labels, float[] state)
    {
        int size = Network.Config.InputSize;
        Array.Clear(state);
        for (int j = 0; j < count; j++)
        {
            (int video, int start, int length) = batch[j];
            (byte[] vf, int[] vy) = _videos[video];
            for (int s = 0; s < t; s++)
            {
                int r = s * count + j, f = start + Math.Min(s, length - 1);
                Array.Copy(vf, f * size, frames, r * size, size);
                starts[r] = s == 0 ? 1f : 0f;
                labels[r] = s < length ? vy[f] : -1;
            }
        }
    }

    /// <summary>
    /// Reads a labels CSV with a header naming <c>frame</c> and <c>label</c> columns (what `agent label` writes; other
    /// columns are ignored): frame → label text (a class name or index; the caller maps them to classes).
    /// </summary>
    public static Dictionary<int, string> ReadLabels(string path)
    {
        string[] lines = File.ReadAllLines(path);
        if (lines.Length == 0)
        {
            throw new AgentException($"{path}: empty; expected a header with frame and label columns");
        }
        string[] header = lines[0].Split(',').Select(h => h.Trim().Trim('"')).ToArray();
        int fi = Array.IndexOf(header, "frame"), li = Array.IndexOf(header, "label");
        if (fi < 0 || li < 0)
        {
            throw new AgentException($"{path}: line 1: the header needs 'frame' and 'label' columns (got '{lines[0]}')");
        }
        var labels = new Dictionary<int, string>();
        for (int n = 1; n < lines.Length; n++)
        {
            if (lines[n].Length == 0)
            {
                continue;
            }
            string[] cells = lines[n].Split(',');
            if (cells.Length <= Math.Max(fi, li) || !int.TryParse(cells[fi].Trim().Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out int frame))
            {
                throw new AgentException($"{path}: line {n + 1}: expected a frame number in column {fi + 1} and a label in column {li + 1}");
            }
            labels[frame] = cells[li].Trim().Trim('"');
        }
        return labels;
    }
}
