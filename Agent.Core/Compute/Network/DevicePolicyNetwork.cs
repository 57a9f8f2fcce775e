using AgentRnn.Core.Kernels;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Core.Compute.Network;

/// <summary>
/// A recurrent policy network resident on a <see cref="ComputeDevice"/>: weights are uploaded once, each stream's
/// recurrent state stays on the device between steps, and a step uploads only the new observations (plus the episode
/// starts on the steps that have any) and downloads only the heads' outputs.
/// </summary>
/// <remarks>
/// Streams live in slots 0..<see cref="Capacity"/>−1. <see cref="Step(ReadOnlySpan{byte}, ReadOnlySpan{float}, Span{float}, int)"/>
/// runs one batched step for slots 0..batch−1, and the overload with a slot list for any distinct slots; <see cref="Sequence(ReadOnlySpan{byte}, ReadOnlySpan{float}, Span{float}, int, int)"/>
/// runs T consecutive observations of one slot, with the encoder batched over T and the recurrence in one kernel.
/// Outputs per row are every branch's heads, concatenated in spec order (width <see cref="OutputSize"/>).
/// State per slot (<see cref="StateSize"/> floats): per branch, per layer, h then (LSTM) c — RecurrentCore's layout.
/// The network owns its buffers and disposes them; the device must outlive it. Thread-safety: one thread at a time.
/// Allocates nothing per step.
/// </remarks>
public sealed class DevicePolicyNetwork : IDisposable
{
    private readonly ComputeDevice _device;
    private readonly List<IDisposable> _owned = [];
    private readonly ConvStage[] _convs;
    private readonly DenseStage[] _dense;
    private readonly Branch[] _branches;
    private readonly DeviceBuffer<byte> _frames;
    private readonly DeviceBuffer<float> _observations;
    private readonly DeviceBuffer<float> _starts;
    private readonly DeviceBuffer<int> _slots;
    private readonly int[] _uploadedSlots;
    private readonly bool[] _seenSlots;
    private int _uploadedSlotCount = -1;
    private readonly float[] _hostOutput;
    private readonly int _featureSize;
    private bool _disposed;

    /// <summary>Checks the spec's shapes, uploads the weights and allocates state and scratch for <paramref name="capacity"/> rows.</summary>
    /// <exception cref="AgentException">A tensor's shape does not fit the layer before it (the message names the layer).</exception>
    public DevicePolicyNetwork(ComputeDevice device, PolicyNetworkSpec spec, int capacity)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _device = device;
        Capacity = capacity;
        (int channels, int height, int width) = spec.Input;
        if (channels <= 0 || height <= 0 || width <= 0)
        {
            throw new AgentException($"policy network: bad input shape ({channels}, {height}, {width})");
        }
        if (spec.Branches.Count == 0)
        {
            throw new AgentException("policy network: no recurrent branch");
        }
        ObservationSize = channels * height * width;
        FrameScale = spec.FrameScale;
        try
        {
            _convs = new ConvStage[spec.Convolutions.Count];
            for (int i = 0; i < _convs.Length; i++)
            {
                ConvLayerSpec layer = spec.Convolutions[i];
                CheckShape(layer.Weight, $"conv {i} weight", -1, channels, -1, -1);
                var geometry = new ConvGeometry(channels, height, width, layer.Weight.Dim(0), layer.Weight.Dim(2), layer.Weight.Dim(3), layer.Stride, layer.Padding);
                _convs[i] = new ConvStage(geometry, Upload(layer.Weight.Data), UploadBias(layer.Bias, geometry.OutChannels, $"conv {i} bias"), Allocate(capacity * geometry.OutputSize));
                (channels, height, width) = (geometry.OutChannels, geometry.OutHeight, geometry.OutWidth);
            }
            int features = channels * height * width;
            _dense = new DenseStage[spec.Dense.Count];
            for (int i = 0; i < _dense.Length; i++)
            {
                LinearLayerSpec layer = spec.Dense[i];
                CheckShape(layer.Weight, $"dense {i} weight", -1, features);
                int outputs = layer.Weight.Dim(0);
                _dense[i] = new DenseStage(features, outputs, layer.Activation, Upload(layer.Weight.Data), UploadBias(layer.Bias, outputs, $"dense {i} bias"), Allocate(capacity * outputs));
                features = outputs;
            }
            _featureSize = features;
            _branches = new Branch[spec.Branches.Count];
            for (int b = 0; b < _branches.Length; b++)
            {
                _branches[b] = BuildBranch(spec.Branches[b], b, features, capacity);
                OutputSize += _branches[b].HeadWidth;
                StateSize += _branches[b].StateSize;
            }
            _frames = Track(device.Allocate<byte>(_convs.Length == 0 ? 0 : capacity * ObservationSize));
            _observations = Allocate(capacity * ObservationSize);
            _starts = Allocate(capacity);
            _slots = Track(device.Allocate<int>(capacity));
            _uploadedSlots = new int[capacity];
            _seenSlots = new bool[capacity];
            _hostOutput = new float[capacity * _branches.Max(br => br.HeadWidth)];
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The device the network runs on.</summary>
    public ComputeDevice Device => _device;

    /// <summary>Rows one call can carry: streams in a step, or time steps in a sequence.</summary>
    public int Capacity { get; }

    /// <summary>Elements of one observation (C·H·W).</summary>
    public int ObservationSize { get; }

    /// <summary>The factor applied to uint8 frames.</summary>
    public float FrameScale { get; }

    /// <summary>Width of one output row: every branch's heads, concatenated.</summary>
    public int OutputSize { get; }

    /// <summary>Floats of recurrent state per slot.</summary>
    public int StateSize { get; }

    /// <summary>
    /// One step for slots 0..batch−1. frames is (batch, C, H, W) uint8; episodeStarts is (batch) or empty for none
    /// (a stream's state is multiplied by 1 − start first); outputs is (batch, OutputSize).
    /// </summary>
    public void Step(ReadOnlySpan<byte> frames, ReadOnlySpan<float> episodeStarts, Span<float> outputs, int batch)
    {
        CheckCall(frames.Length, episodeStarts.Length, outputs.Length, batch, 1, 0);
        CheckFrames();
        _frames.Write(frames.Slice(0, batch * ObservationSize));
        Run(frames: true, episodeStarts, outputs, steps: 1, batch, slot: 0);
    }

    /// <summary>
    /// One step for the streams in <paramref name="slots"/> (batch distinct slot indices, any order): row b of frames,
    /// episodeStarts and outputs belongs to slot slots[b]. Each slot's state is gathered on the device, stepped and
    /// scattered back; the slot list is uploaded only when it differs from the previous call's.
    /// </summary>
    public void Step(ReadOnlySpan<byte> frames, ReadOnlySpan<int> slots, ReadOnlySpan<float> episodeStarts, Span<float> outputs, int batch)
    {
        CheckCall(frames.Length, episodeStarts.Length, outputs.Length, batch, 1, 0);
        CheckFrames();
        UploadSlots(slots, batch);
        _frames.Write(frames.Slice(0, batch * ObservationSize));
        Run(frames: true, episodeStarts, outputs, steps: 1, batch, slot: 0, gather: true);
    }

    /// <summary>As the frame overload with slots, for float observations (batch, C, H, W).</summary>
    public void Step(ReadOnlySpan<float> observations, ReadOnlySpan<int> slots, ReadOnlySpan<float> episodeStarts, Span<float> outputs, int batch)
    {
        CheckCall(observations.Length, episodeStarts.Length, outputs.Length, batch, 1, 0);
        UploadSlots(slots, batch);
        UploadObservations(observations.Slice(0, batch * ObservationSize));
        Run(frames: false, episodeStarts, outputs, steps: 1, batch, slot: 0, gather: true);
    }

    /// <summary>As the frame overload for float observations (batch, C, H, W) — vector observations when there are no convolutions.</summary>
    public void Step(ReadOnlySpan<float> observations, ReadOnlySpan<float> episodeStarts, Span<float> outputs, int batch)
    {
        CheckCall(observations.Length, episodeStarts.Length, outputs.Length, batch, 1, 0);
        UploadObservations(observations.Slice(0, batch * ObservationSize));
        Run(frames: false, episodeStarts, outputs, steps: 1, batch, slot: 0);
    }

    /// <summary>
    /// <paramref name="steps"/> consecutive frames (steps, C, H, W) of the stream in <paramref name="slot"/>:
    /// episodeStarts is (steps) or empty; outputs is (steps, OutputSize). Equivalent to that many single-stream steps.
    /// </summary>
    public void Sequence(ReadOnlySpan<byte> frames, ReadOnlySpan<float> episodeStarts, Span<float> outputs, int steps, int slot = 0)
    {
        CheckCall(frames.Length, episodeStarts.Length, outputs.Length, 1, steps, slot);
        CheckFrames();
        _frames.Write(frames.Slice(0, steps * ObservationSize));
        Run(frames: true, episodeStarts, outputs, steps, batch: 1, slot);
    }

    /// <summary>As the frame overload for float observations (steps, C, H, W).</summary>
    public void Sequence(ReadOnlySpan<float> observations, ReadOnlySpan<float> episodeStarts, Span<float> outputs, int steps, int slot = 0)
    {
        CheckCall(observations.Length, episodeStarts.Length, outputs.Length, 1, steps, slot);
        UploadObservations(observations.Slice(0, steps * ObservationSize));
        Run(frames: false, episodeStarts, outputs, steps, batch: 1, slot);
    }

    /// <summary>Copies slot's state (StateSize floats: per branch, per layer, h then c) out of the device.</summary>
    public void ReadState(int slot, Span<float> state) => CopyState(slot, state, read: true);

    /// <summary>Replaces slot's state (StateSize floats) on the device.</summary>
    public void WriteState(int slot, ReadOnlySpan<float> state)
    {
        float[] copy = state.ToArray();
        CopyState(slot, copy, read: false);
    }

    /// <summary>Releases every buffer the network uploaded or allocated.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        foreach (IDisposable owned in _owned)
        {
            owned.Dispose();
        }
        _owned.Clear();
    }

    private void Run(bool frames, ReadOnlySpan<float> episodeStarts, Span<float> outputs, int steps, int batch, int slot, bool gather = false)
    {
        int rows = steps * batch;
        DeviceView<float> starts = default;
        // Most steps start no episode: skip that upload and let the kernels read "no reset".
        if (!episodeStarts.IsEmpty && episodeStarts.Slice(0, rows).ContainsAnyExcept(0f))
        {
            _starts.Write(episodeStarts.Slice(0, rows));
            starts = _starts.Slice(0, rows);
        }
        DeviceView<float> x = frames ? default : _observations.Slice(0, rows * ObservationSize);
        for (int i = 0; i < _convs.Length; i++)
        {
            ConvStage conv = _convs[i];
            DeviceView<float> y = conv.Output.Slice(0, rows * conv.Geometry.OutputSize);
            if (i == 0 && frames)
            {
                _device.Conv2d(_frames.Slice(0, rows * ObservationSize), FrameScale, conv.Weight, conv.Bias, y, conv.Geometry, rows, Activation.ReLU);
            }
            else
            {
                _device.Conv2d(x, conv.Weight, conv.Bias, y, conv.Geometry, rows, Activation.ReLU);
            }
            x = y;
        }
        foreach (DenseStage dense in _dense)
        {
            DeviceView<float> y = dense.Output.Slice(0, rows * dense.Outputs);
            _device.Gemm(x, dense.Weight, dense.Bias, y, rows, dense.Outputs, dense.Inputs, activation: dense.Activation);
            x = y;
        }
        int column = 0;
        foreach (Branch branch in _branches)
        {
            DeviceView<float> h = x;
            int inputs = _featureSize;
            foreach (Layer layer in branch.Layers)
            {
                int hidden = branch.Hidden;
                DeviceView<float> gates = branch.Gates.Slice(0, rows * branch.GateCount * hidden);
                DeviceView<float> output = layer.Output.Slice(0, rows * hidden);
                _device.Gemm(h, layer.WeightIh, layer.BiasIh, gates, rows, branch.GateCount * hidden, inputs);
                DeviceView<int> slots = _slots.Slice(0, batch);
                DeviceBuffer<float> hSource = gather ? layer.GatheredH : layer.H;
                DeviceBuffer<float>? cSource = gather ? layer.GatheredC : layer.C;
                if (gather)
                {
                    _device.CopyRows(layer.H, slots, hSource, default, batch, hidden);
                    if (cSource is not null)
                    {
                        _device.CopyRows(layer.C!, slots, cSource, default, batch, hidden);
                    }
                }
                int first = gather ? 0 : slot;
                DeviceView<float> hState = hSource.Slice(first * hidden, batch * hidden);
                if (branch.Cell == RecurrentCellKind.Lstm)
                {
                    _device.LstmSequence(gates, layer.WeightHh, layer.BiasHh, hState, cSource!.Slice(first * hidden, batch * hidden), starts, output, steps, batch, hidden);
                }
                else
                {
                    _device.GruSequence(gates, layer.WeightHh, layer.BiasHh, hState, starts, output, steps, batch, hidden);
                }
                if (gather)
                {
                    _device.CopyRows(hSource, default, layer.H, slots, batch, hidden);
                    if (cSource is not null)
                    {
                        _device.CopyRows(cSource, default, layer.C!, slots, batch, hidden);
                    }
                }
                h = output;
                inputs = hidden;
            }
            DeviceView<float> heads = branch.HeadOutput.Slice(0, rows * branch.HeadWidth);
            _device.Gemm(h, branch.HeadWeight, branch.HeadBias, heads, rows, branch.HeadWidth, branch.Hidden);
            Span<float> host = _hostOutput.AsSpan(0, rows * branch.HeadWidth);
            heads.Buffer.Read(host, heads.Offset);
            for (int r = 0; r < rows; r++)
            {
                host.Slice(r * branch.HeadWidth, branch.HeadWidth).CopyTo(outputs.Slice(r * OutputSize + column, branch.HeadWidth));
            }
            column += branch.HeadWidth;
        }
    }

    private void UploadObservations(ReadOnlySpan<float> observations) => _observations.Write(observations);

    /// <summary>Checks the slots (distinct, in range) and uploads them unless they equal the last upload.</summary>
    private void UploadSlots(ReadOnlySpan<int> slots, int batch)
    {
        if (slots.Length < batch)
        {
            throw new ArgumentException($"{batch} rows need {batch} slots; got {slots.Length}");
        }
        slots = slots.Slice(0, batch);
        try
        {
            foreach (int slot in slots)
            {
                if ((uint)slot >= (uint)Capacity)
                {
                    throw new ArgumentOutOfRangeException(nameof(slots), $"slot {slot} is outside 0..{Capacity - 1}");
                }
                if (_seenSlots[slot])
                {
                    throw new ArgumentException($"slot {slot} appears twice in one step", nameof(slots));
                }
                _seenSlots[slot] = true;
            }
        }
        finally
        {
            foreach (int slot in slots)
            {
                if ((uint)slot < (uint)Capacity)
                {
                    _seenSlots[slot] = false;
                }
            }
        }
        if (_uploadedSlotCount == batch && slots.SequenceEqual(_uploadedSlots.AsSpan(0, batch)))
        {
            return;
        }
        _slots.Write(slots);
        slots.CopyTo(_uploadedSlots);
        _uploadedSlotCount = batch;
    }

    private void CheckFrames()
    {
        if (_convs.Length == 0)
        {
            throw new InvalidOperationException("uint8 frames feed a convolution and this network has none; step it with float observations");
        }
    }

    private void CheckCall(int observations, int starts, int outputs, int batch, int steps, int slot)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        int rows = batch * steps;
        if (batch <= 0 || steps <= 0 || rows > Capacity || slot < 0 || slot + batch > Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), $"batch {batch} × steps {steps} from slot {slot} does not fit capacity {Capacity}");
        }
        if (observations < rows * ObservationSize || (starts != 0 && starts < rows) || outputs < rows * OutputSize)
        {
            throw new ArgumentException($"{rows} rows need {rows * ObservationSize} observation elements, {rows} episode starts (or none) and {rows * OutputSize} outputs; got {observations}, {starts}, {outputs}");
        }
    }

    private void CopyState(int slot, Span<float> state, bool read)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(slot, Capacity);
        if (state.Length < StateSize)
        {
            throw new ArgumentException($"state holds {state.Length} floats, needs {StateSize}");
        }
        int at = 0;
        foreach (Branch branch in _branches)
        {
            foreach (Layer layer in branch.Layers)
            {
                foreach (DeviceBuffer<float>? part in new[] { layer.H, layer.C })
                {
                    if (part is null)
                    {
                        continue;
                    }
                    Span<float> piece = state.Slice(at, branch.Hidden);
                    if (read)
                    {
                        part.Read(piece, slot * branch.Hidden);
                    }
                    else
                    {
                        part.Write(piece, slot * branch.Hidden);
                    }
                    at += branch.Hidden;
                }
            }
        }
    }

    private Branch BuildBranch(PolicyBranchSpec spec, int index, int features, int capacity)
    {
        if (spec.Layers.Count == 0 || spec.Heads.Count == 0)
        {
            throw new AgentException($"policy network: branch {index} needs at least one recurrent layer and one head");
        }
        int gateCount = spec.Cell == RecurrentCellKind.Lstm ? 4 : 3;
        int hidden = spec.Layers[0].WeightHh.Dim(-1);
        var layers = new Layer[spec.Layers.Count];
        int inputs = features;
        for (int l = 0; l < layers.Length; l++)
        {
            RecurrentLayerSpec layer = spec.Layers[l];
            string name = $"branch {index} layer {l}";
            CheckShape(layer.WeightIh, $"{name} weight_ih", gateCount * hidden, inputs);
            CheckShape(layer.WeightHh, $"{name} weight_hh", gateCount * hidden, hidden);
            layers[l] = new Layer(
                Upload(layer.WeightIh.Data),
                UploadBias(layer.BiasIh, gateCount * hidden, $"{name} bias_ih"),
                Upload(layer.WeightHh.Data),
                UploadBias(layer.BiasHh, gateCount * hidden, $"{name} bias_hh"),
                Allocate(capacity * hidden),
                spec.Cell == RecurrentCellKind.Lstm ? Allocate(capacity * hidden) : null,
                Allocate(capacity * hidden),
                Allocate(capacity * hidden),
                spec.Cell == RecurrentCellKind.Lstm ? Allocate(capacity * hidden) : null);
            inputs = hidden;
        }
        int width = 0;
        foreach (LinearLayerSpec head in spec.Heads)
        {
            CheckShape(head.Weight, $"branch {index} head {width}", -1, hidden);
            width += head.Weight.Dim(0);
        }
        // The heads share one GEMM: their weights stacked row-wise, their biases concatenated (zeros where absent).
        float[] weight = new float[width * hidden];
        float[] bias = new float[width];
        int row = 0;
        foreach (LinearLayerSpec head in spec.Heads)
        {
            int outputs = head.Weight.Dim(0);
            head.Weight.Data.CopyTo(weight, row * hidden);
            if (head.Bias is not null)
            {
                CheckShape(head.Bias, $"branch {index} head bias", outputs);
                head.Bias.Data.CopyTo(bias, row);
            }
            row += outputs;
        }
        int perSlot = layers.Length * hidden * (spec.Cell == RecurrentCellKind.Lstm ? 2 : 1);
        return new Branch(spec.Cell, gateCount, hidden, layers, Allocate(capacity * gateCount * hidden), Upload(weight), Upload(bias), width, Allocate(capacity * width), perSlot);
    }

    /// <summary>Throws a one-line error unless <paramref name="tensor"/> has the given rank and sizes (−1: any).</summary>
    private static void CheckShape(Tensor tensor, string name, params int[] expected)
    {
        bool ok = tensor.Rank == expected.Length;
        for (int i = 0; ok && i < expected.Length; i++)
        {
            ok = expected[i] < 0 ? tensor.Dim(i) > 0 : tensor.Dim(i) == expected[i];
        }
        if (!ok)
        {
            string want = "(" + string.Join(", ", expected.Select(e => e < 0 ? "*" : e.ToString(System.Globalization.CultureInfo.InvariantCulture))) + ")";
            throw new AgentException($"policy network: {name} is {tensor.ShapeString}, expected {want}");
        }
    }

    private DeviceView<float> UploadBias(Tensor? bias, int length, string name)
    {
        if (bias is null)
        {
            return default;
        }
        CheckShape(bias, name, length);
        return Upload(bias.Data);
    }

    private DeviceBuffer<float> Upload(float[] data) => Track(_device.Upload<float>(data));

    private DeviceBuffer<float> Allocate(int length) => Track(_device.Allocate<float>(length));

    private T Track<T>(T buffer)
        where T : IDisposable
    {
        _owned.Add(buffer);
        return buffer;
    }

    private sealed record ConvStage(ConvGeometry Geometry, DeviceBuffer<float> Weight, DeviceView<float> Bias, DeviceBuffer<float> Output);

    private sealed record DenseStage(int Inputs, int Outputs, Activation Activation, DeviceBuffer<float> Weight, DeviceView<float> Bias, DeviceBuffer<float> Output);

    private sealed record Layer(DeviceBuffer<float> WeightIh, DeviceView<float> BiasIh, DeviceBuffer<float> WeightHh, DeviceView<float> BiasHh, DeviceBuffer<float> H, DeviceBuffer<float>? C, DeviceBuffer<float> Output, DeviceBuffer<float> GatheredH, DeviceBuffer<float>? GatheredC);

    private sealed record Branch(RecurrentCellKind Cell, int GateCount, int Hidden, Layer[] Layers, DeviceBuffer<float> Gates, DeviceBuffer<float> HeadWeight, DeviceBuffer<float> HeadBias, int HeadWidth, DeviceBuffer<float> HeadOutput, int StateSize);
}
