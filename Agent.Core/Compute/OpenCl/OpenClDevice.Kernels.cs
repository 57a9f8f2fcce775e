using AgentRnn.Core.Compute.OpenCl.Interop;
using AgentRnn.Core.Kernels;

namespace AgentRnn.Core.Compute.OpenCl;

public sealed unsafe partial class OpenClDevice
{
    /// <inheritdoc/>
    protected override void GemmCore(DeviceView<float> a, DeviceView<float> b, DeviceView<float> bias, DeviceView<float> c, int m, int n, int k, bool accumulate, Activation activation)
    {
        // GPUs: 64x64 tiles staged in local memory. CPU devices (PoCL): register blocking without local memory.
        bool tiled = TiledGemm && m >= TiledGemmMinRows;
        int rowsPerItem = tiled || m < 4 ? 1 : 4;
        string name = tiled ? OpenClProgram.GemmTiled : rowsPerItem == 4 ? OpenClProgram.GemmRows4 : OpenClProgram.GemmRows1;
        var args = new KernelArgs(this, name);
        args.View(a);
        args.View(b);
        args.Optional(bias);
        args.View(c);
        args.Int(m);
        args.Int(n);
        args.Int(k);
        args.Int(accumulate ? 1 : 0);
        args.Int((int)activation);
        if (tiled)
        {
            args.Enqueue(RoundUp(n, 64) / 4, RoundUp(m, 64) / 4, 1, 16, 16);
        }
        else
        {
            args.Enqueue(n, (m + rowsPerItem - 1) / rowsPerItem, 1);
        }
    }

    /// <inheritdoc/>
    protected override void Conv2dCore(DeviceView<float> x, DeviceView<float> weight, DeviceView<float> bias, DeviceView<float> y, ConvGeometry geometry, int batch, Activation activation)
    {
        var args = new KernelArgs(this, OpenClProgram.Conv2dF32);
        args.View(x);
        args.Float(1f);
        Conv(ref args, weight, bias, y, geometry, batch, activation);
    }

    /// <inheritdoc/>
    protected override void Conv2dCore(DeviceView<byte> x, float inputScale, DeviceView<float> weight, DeviceView<float> bias, DeviceView<float> y, ConvGeometry geometry, int batch, Activation activation)
    {
        var args = new KernelArgs(this, OpenClProgram.Conv2dU8);
        args.View(x);
        args.Float(inputScale);
        Conv(ref args, weight, bias, y, geometry, batch, activation);
    }

    /// <inheritdoc/>
    protected override void LstmSequenceCore(DeviceView<float> inputGates, DeviceView<float> hiddenWeight, DeviceView<float> hiddenBias, DeviceView<float> h, DeviceView<float> c, DeviceView<float> episodeStarts, DeviceView<float> output, int steps, int batch, int hidden)
    {
        if (FusedRecurrence)
        {
            var args = new KernelArgs(this, OpenClProgram.LstmSequence);
            args.View(inputGates);
            args.View(hiddenWeight);
            args.Optional(hiddenBias);
            args.View(h);
            args.View(c);
            args.Optional(episodeStarts);
            args.View(output);
            Recurrence(ref args, steps, batch, hidden, _lstmGroupLimit);
            return;
        }
        DeviceView<float> hh = Scratch(batch * 4 * hidden);
        for (int t = 0; t < steps; t++)
        {
            DeviceView<float> previous = t == 0 ? h : output.Slice((t - 1) * batch * hidden, batch * hidden);
            GemmCore(previous, hiddenWeight, default, hh, batch, 4 * hidden, hidden, false, Activation.None);
            var args = new KernelArgs(this, OpenClProgram.LstmCell);
            args.View(inputGates.Slice(t * batch * 4 * hidden, batch * 4 * hidden));
            args.View(hh);
            args.Optional(hiddenBias);
            args.View(c);
            args.Optional(episodeStarts.IsEmpty ? default : episodeStarts.Slice(t * batch, batch));
            args.View(output.Slice(t * batch * hidden, batch * hidden));
            args.Int(hidden);
            args.Enqueue(hidden, batch, 1);
        }
        CopyCore(output.Slice((steps - 1) * batch * hidden, batch * hidden), h);
    }

    /// <inheritdoc/>
    protected override void GruSequenceCore(DeviceView<float> inputGates, DeviceView<float> hiddenWeight, DeviceView<float> hiddenBias, DeviceView<float> h, DeviceView<float> episodeStarts, DeviceView<float> output, int steps, int batch, int hidden)
    {
        if (FusedRecurrence)
        {
            var args = new KernelArgs(this, OpenClProgram.GruSequence);
            args.View(inputGates);
            args.View(hiddenWeight);
            args.Optional(hiddenBias);
            args.View(h);
            args.Optional(episodeStarts);
            args.View(output);
            Recurrence(ref args, steps, batch, hidden, _gruGroupLimit);
            return;
        }
        DeviceView<float> hh = Scratch(batch * 3 * hidden);
        for (int t = 0; t < steps; t++)
        {
            DeviceView<float> previous = t == 0 ? h : output.Slice((t - 1) * batch * hidden, batch * hidden);
            GemmCore(previous, hiddenWeight, default, hh, batch, 3 * hidden, hidden, false, Activation.None);
            var args = new KernelArgs(this, OpenClProgram.GruCell);
            args.View(inputGates.Slice(t * batch * 3 * hidden, batch * 3 * hidden));
            args.View(hh);
            args.Optional(hiddenBias);
            args.View(previous);
            args.Optional(episodeStarts.IsEmpty ? default : episodeStarts.Slice(t * batch, batch));
            args.View(output.Slice(t * batch * hidden, batch * hidden));
            args.Int(hidden);
            args.Enqueue(hidden, batch, 1);
        }
        CopyCore(output.Slice((steps - 1) * batch * hidden, batch * hidden), h);
    }

    /// <inheritdoc/>
    protected override void CopyRowsCore(DeviceView<float> source, DeviceView<int> sourceRows, DeviceView<float> destination, DeviceView<int> destinationRows, int rows, int width)
    {
        var args = new KernelArgs(this, OpenClProgram.CopyRows);
        args.View(source);
        args.Optional(sourceRows);
        args.View(destination);
        args.Optional(destinationRows);
        args.Int(width);
        args.Enqueue(width, rows, 1);
    }

    /// <summary>The device's scratch buffer, at least <paramref name="length"/> floats; grown (reallocated) only when too small.</summary>
    private DeviceView<float> Scratch(int length)
    {
        if (_scratch is null || _scratch.Length < length)
        {
            // Not one of the device's listed buffers: it is the device's own, released in DisposeCore.
            _scratch?.Dispose();
            _scratch = AllocateCore<float>(length);
        }
        return _scratch.Slice(0, length);
    }

    /// <summary>destination[0..n) = source[0..n), n = source.Length, on the queue.</summary>
    protected override void CopyCore(DeviceView<float> source, DeviceView<float> destination)
    {
        var from = (OpenClBuffer<float>)source.Buffer;
        var to = (OpenClBuffer<float>)destination.Buffer;
        int status = NativeMethods.clEnqueueCopyBuffer(Queue, from.Memory, to.Memory, (nuint)(source.Offset * sizeof(float)), (nuint)(destination.Offset * sizeof(float)), (nuint)(source.Length * sizeof(float)), 0, null, null);
        OpenClStatus.Check(status, "clEnqueueCopyBuffer");
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private static void Conv(ref KernelArgs args, DeviceView<float> weight, DeviceView<float> bias, DeviceView<float> y, ConvGeometry g, int batch, Activation activation)
    {
        args.View(weight);
        args.Optional(bias);
        args.View(y);
        args.Int(g.InChannels);
        args.Int(g.Height);
        args.Int(g.Width);
        args.Int(g.OutChannels);
        args.Int(g.KernelH);
        args.Int(g.KernelW);
        args.Int(g.Stride);
        args.Int(g.Padding);
        args.Int(g.OutHeight);
        args.Int(g.OutWidth);
        args.Int((int)activation);
        args.Enqueue(g.OutHeight * g.OutWidth, (g.OutChannels + OpenClProgram.ConvChannelsPerItem - 1) / OpenClProgram.ConvChannelsPerItem, batch);
    }

    private static void Recurrence(ref KernelArgs args, int steps, int batch, int hidden, int groupLimit)
    {
        args.Int(steps);
        args.Int(batch);
        args.Int(hidden);
        args.Local(hidden * sizeof(float));
        int group = Math.Max(1, Math.Min(Math.Min(RecurrentGroupSize, groupLimit), hidden));
        args.Enqueue(batch * group, 1, 1, group, 1);
    }

    /// <summary>Sets one kernel's arguments in order, then enqueues it; every call is status-checked.</summary>
    private ref struct KernelArgs
    {
        private readonly OpenClDevice _device;
        private readonly OpenClKernelHandle _kernel;
        private readonly string _name;
        private uint _index;

        public KernelArgs(OpenClDevice device, string name)
        {
            _device = device;
            _name = name;
            _kernel = device._program.Kernel(name);
            _index = 0;
        }

        /// <summary>A buffer and its element offset.</summary>
        public void View<T>(DeviceView<T> view)
            where T : unmanaged
        {
            Memory(((OpenClBuffer<T>)view.Buffer).Memory);
            Int(view.Offset);
        }

        /// <summary>An optional buffer: buffer, offset and a 0/1 presence flag; absent views bind a placeholder.</summary>
        public void Optional<T>(DeviceView<T> view)
            where T : unmanaged
        {
            if (view.IsEmpty)
            {
                Memory(_device._placeholder);
                Int(0);
                Int(0);
                return;
            }
            View(view);
            Int(1);
        }

        public void Int(int value) => Set(sizeof(int), &value);

        public void Float(float value) => Set(sizeof(float), &value);

        /// <summary>A __local array of <paramref name="bytes"/> bytes.</summary>
        public void Local(int bytes) => Set((nuint)bytes, null);

        /// <summary>Enqueues over a (x, y, z) range; with a zero local size the runtime picks the work-group.</summary>
        public readonly void Enqueue(int x, int y, int z, int localX = 0, int localY = 0)
        {
            nuint* global = stackalloc nuint[3] { (nuint)x, (nuint)y, (nuint)z };
            nuint* local = stackalloc nuint[3] { (nuint)localX, (nuint)Math.Max(localY, 1), 1 };
            int status = NativeMethods.clEnqueueNDRangeKernel(_device.Queue, _kernel, 3, null, global, localX > 0 ? local : null, 0, null, null);
            // The message is built only on failure: launches are on the per-step path, which allocates nothing.
            if (status != OpenClStatus.Success)
            {
                throw new OpenClException($"clEnqueueNDRangeKernel({_name})", status);
            }
        }

        private void Memory(OpenClMemHandle memory)
        {
            // The buffer is alive (checked by the caller) and owned by the device, so the raw handle stays valid
            // for the enqueue; the runtime retains it until the kernel completes.
            nint handle = memory.DangerousGetHandle();
            Set((nuint)sizeof(nint), &handle);
        }

        private void Set(nuint size, void* value)
        {
            int status = NativeMethods.clSetKernelArg(_kernel, _index, size, value);
            if (status != OpenClStatus.Success)
            {
                throw new OpenClException($"clSetKernelArg({_name}, {_index})", status);
            }
            _index++;
        }
    }
}
