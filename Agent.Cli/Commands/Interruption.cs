using System.Runtime.InteropServices;
using System.Text;
using AgentRnn.Host.IO;
using Microsoft.Win32.SafeHandles;

namespace AgentRnn.Cli;

/// <summary>
/// Thrown by a command that stopped on cancellation (a signal, or a closed stdout) after finalising what it wrote; the
/// message says what was kept, and <see cref="AgentCli"/> prints it on the one "interrupted (SIGNAL)" line.
/// </summary>
internal sealed class CommandInterruptedException(string kept) : OperationCanceledException(kept);

/// <summary>
/// Thrown when the reader of stdout went away (a broken pipe, as with <c>agent label … | head -1</c>): the command
/// stopped and finalised its other outputs. Exit code 141, as a shell reports a process that SIGPIPE ended.
/// </summary>
internal sealed class StdoutClosedException(string message) : AgentRnn.Core.AgentException(message)
{
    /// <summary>128 + SIGPIPE (13).</summary>
    public const int Code = 141;

    /// <inheritdoc />
    public override int ExitCode => Code;
}

/// <summary>
/// SIGINT and SIGTERM for the real process: the first one cancels the command's token (the command finalises its
/// outputs and returns); a second one of either ends the process at once, as the signal would have. System.CommandLine's
/// own handling is off, so no 2-second termination timeout kills a command while it finalises; instead a command that
/// has not returned <see cref="GraceSeconds"/> after the signal (blocked in a system call: a FIFO with no writer, a
/// stalled network read) is ended with one line saying so, so a signal always ends the process.
/// </summary>
internal sealed class SignalWatcher : IDisposable
{
    /// <summary>
    /// Seconds a command has to stop and finalise after the first signal: every pass checks at each frame or step, and
    /// silo's graceful shutdown allows itself 10 s.
    /// </summary>
    public const int GraceSeconds = 20;

    private readonly CancellationTokenSource _cancellation = new();
    private readonly PosixSignalRegistration[] _registrations;
    private readonly TextWriter _stderr;
    private Timer? _grace;
    private int _received;

    private SignalWatcher(TextWriter stderr)
    {
        _stderr = stderr;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle),
        ];
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>The first signal received, or null.</summary>
    public PosixSignal? Received => Volatile.Read(ref _received) switch
    {
        0 => null,
        var s => (PosixSignal)s,
    };

    /// <summary>Starts watching; the grace period's line goes to <paramref name="stderr"/>.</summary>
    public static SignalWatcher Start(TextWriter stderr) => new(stderr);

    /// <summary>The signal's name: "SIGINT", "SIGTERM".</summary>
    public static string Name(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGINT => "SIGINT",
        PosixSignal.SIGTERM => "SIGTERM",
        PosixSignal.SIGQUIT => "SIGQUIT",
        PosixSignal.SIGHUP => "SIGHUP",
        _ => signal.ToString(),
    };

    /// <summary>The exit code a shell reports for a process the signal ended: 128 + its number (130, 143).</summary>
    public static int ExitCode(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGTERM => 143,
        PosixSignal.SIGQUIT => 131,
        PosixSignal.SIGHUP => 129,
        _ => AgentCli.Cancelled,
    };

    private void Handle(PosixSignalContext context)
    {
        if (Interlocked.CompareExchange(ref _received, (int)context.Signal, 0) != 0)
        {
            // A second signal: the default action (the process ends now).
            context.Cancel = false;
            return;
        }
        context.Cancel = true;
        PosixSignal signal = context.Signal;
        _grace = new Timer(_ => Expire(signal), null, TimeSpan.FromSeconds(GraceSeconds), Timeout.InfiniteTimeSpan);
        _cancellation.Cancel();
    }

    private void Expire(PosixSignal signal)
    {
        try
        {
            _stderr.WriteLine($"interrupted ({Name(signal)}): did not stop within {GraceSeconds} s; ended without finalising its outputs");
            _stderr.Flush();
        }
        finally
        {
            Environment.Exit(ExitCode(signal));
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _grace?.Dispose();
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }
        _cancellation.Dispose();
    }
}

/// <summary>
/// Stdout when it is a pipe or socket: a writer on file descriptor 1 whose writes fail with an <see cref="IOException"/>
/// once the reader has gone (Console.Out drops them silently, so a command would run to its end for nobody).
/// </summary>
internal static class StdoutPipe
{
    /// <summary>A writer over fd 1 when stdout is a pipe or socket; null otherwise (a terminal or file keeps Console.Out).</summary>
    public static TextWriter? OpenIfPipe()
    {
        if (!OperatingSystem.IsLinux() || !Console.IsOutputRedirected)
        {
            return null;
        }
        FileStat stat = FileStat.Of("/proc/self/fd/1");
        if (stat.Kind is not (FileKind.Fifo or FileKind.Socket))
        {
            return null;
        }
        var stream = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, bufferSize: 0);
        return new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 4096, leaveOpen: false)
        {
            AutoFlush = true,
        };
    }

    /// <summary>Whether <paramref name="e"/> is a write to a pipe whose reader has gone (EPIPE).</summary>
    public static bool IsBrokenPipe(Exception e) =>
        e is IOException io && (io.HResult & 0xFFFF) == 32 || e.InnerException is IOException inner && IsBrokenPipe(inner);
}

/// <summary>An option value out of its stated range (exit 2, as for a command line that does not parse).</summary>
internal sealed class UsageException(string message) : AgentRnn.Core.AgentException(message)
{
    /// <inheritdoc />
    public override int ExitCode => AgentCli.UsageError;
}

/// <summary>The limits the commands state and check before allocating anything for them.</summary>
internal static class Limits
{
    /// <summary>
    /// Streams batched in one pipeline (bench --streams, label's videos). Each costs its frame stack, memory state and
    /// pipeline slots (about 100 KB for NatureCNN at 84x84), so 8192 is about 800 MB; the GPU run (tools/bench/gpu_bench.sh) batches that many.
    /// </summary>
    public const int MaxStreams = 8192;

    /// <summary>Frames one bench run may ask for (--frames): a trillion, days of decoding at any speed reached here.</summary>
    public const long MaxFrames = 1_000_000_000_000;

    /// <summary>Throws a <see cref="UsageException"/> naming the limit when <paramref name="streams"/> is outside 1..MaxStreams.</summary>
    public static void CheckStreams(long streams, string what)
    {
        if (streams < 1)
        {
            throw new UsageException($"{what} must be at least 1, not {streams}");
        }
        if (streams > MaxStreams)
        {
            throw new UsageException($"{what} {streams} is over the limit of {MaxStreams} streams per run");
        }
    }
}

/// <summary>Inputs the commands read whole (a model, a classes file) must be regular files: a FIFO would block, a device never end.</summary>
internal static class InputFiles
{
    /// <summary>
    /// Throws one line when <paramref name="path"/> exists and is a FIFO, socket or device. Directories and missing
    /// paths are left to the reader, which names them.
    /// </summary>
    public static void Check(string? path, string role)
    {
        if (path is null)
        {
            return;
        }
        FileStat stat = FileStat.Of(path);
        if (stat.Exists && stat.Kind is not (FileKind.Regular or FileKind.Directory))
        {
            throw new AgentRnn.Core.AgentException($"{path}: is {OutputGuard.Describe(stat.Kind)}, not a regular file; the {role} must be a regular file");
        }
    }
}
