using System.CommandLine;
using AgentRnn.Core;
using AgentRnn.Core.Kernels;

namespace AgentRnn.Cli.Backend;

/// <summary>The <c>--backend</c>, <c>--device</c> and <c>--threads</c> options that label, bench and run share, with one help text.</summary>
internal sealed class BackendOptions
{
    /// <summary>--backend cpu|cuda|opencl|ilgpu-cpu.</summary>
    public Option<string> Backend { get; } = new("--backend")
    {
        Description = "Where the model runs: cpu (the CPU kernels; needs no native runtime), or through ILGPU, with the " +
            "weights and each stream's memory on the device: cuda (an NVIDIA GPU; needs only the driver), opencl (an " +
            "OpenCL GPU) or ilgpu-cpu (ILGPU's CPU accelerator, which emulates GPU threads: for tests, slow)",
        DefaultValueFactory = _ => "cpu",
    };

    /// <summary>--device N.</summary>
    public Option<int> Device { get; } = new("--device")
    {
        Description = "Device index within the --backend, as 'agent devices' lists them; the cpu backend has only device 0",
        DefaultValueFactory = _ => 0,
    };

    /// <summary>--threads N; 0 chooses.</summary>
    public Option<int> Threads { get; } = new("--threads")
    {
        Description = "CPU threads for the model's kernels (cpu backend), 1 to the processor count; 0 chooses: 1 when the " +
            "frames come from a video decoder (label, bench --source FILE: the decoder's threads keep the cores busy, and one " +
            "thread runs the model many times faster than 720p decodes), otherwise every processor",
        DefaultValueFactory = _ => 0,
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Backend);
        command.Options.Add(Device);
        command.Options.Add(Threads);
    }

    /// <summary>
    /// Sets <see cref="KernelParallelism.MaxThreads"/> from --threads, or from the default for a pipeline that does or
    /// does not <paramref name="decodesVideo"/>, until the returned scope is disposed (the CLI also runs in-process, from
    /// tests and hosts, so the setting does not outlive the command). A count outside 0..cores is a one-line error.
    /// </summary>
    public IDisposable ApplyThreads(ParseResult result, bool decodesVideo)
    {
        int requested = result.GetValue(Threads);
        int available = KernelParallelism.Available;
        if (requested < 0 || requested > available)
        {
            throw new AgentException($"--threads must be between 1 and {available} (this machine's processors), or 0 to choose; not {requested}");
        }
        return new ThreadsScope(requested > 0 ? requested : decodesVideo ? 1 : available);
    }

    // Commands may run concurrently in one process (hosts, the tests): each scope saving and restoring "the previous"
    // value let an inner one restore an outer one's setting after it ended. The value before the first open scope is
    // restored when the last one closes.
    private sealed class ThreadsScope : IDisposable
    {
        private static readonly object Gate = new();
        private static int _open;
        private static int _before;
        private int _disposed;

        public ThreadsScope(int threads)
        {
            lock (Gate)
            {
                if (_open++ == 0)
                {
                    _before = KernelParallelism.MaxThreads;
                }
                KernelParallelism.MaxThreads = threads;
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0)
            {
                return;
            }
            lock (Gate)
            {
                if (--_open == 0)
                {
                    KernelParallelism.MaxThreads = _before;
                }
            }
        }
    }

    /// <summary>The parsed choice; a bad name, a missing runtime or device is a one-line error before any file is opened.</summary>
    public BackendChoice Resolve(ParseResult result)
    {
        BackendChoice choice = BackendChoice.Parse(result.GetValue(Backend)!, result.GetValue(Device));
        choice.CheckDevice();
        return choice;
    }
}
