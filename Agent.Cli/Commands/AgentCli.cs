using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Runtime.InteropServices;
using AgentRnn.Core;

namespace AgentRnn.Cli;

/// <summary>
/// The `agent` command line: builds the command tree, turns parse errors and <see cref="AgentException"/>s
/// into one line on stderr with a non-zero exit code, and shows stack traces only with --verbose.
/// </summary>
internal static class AgentCli
{
    /// <summary>Exit code for a command line that does not parse (unknown flag, bad value, contradiction).</summary>
    public const int UsageError = 2;

    /// <summary>Exit code for a bug (an exception that is not an <see cref="AgentException"/>).</summary>
    public const int InternalError = 70;

    /// <summary>Exit code after Ctrl+C (SIGINT) or a cancelled run, as shells report SIGINT; SIGTERM gives 143.</summary>
    public const int Cancelled = 130;

    /// <summary>--verbose, on every command: show stack traces.</summary>
    public static readonly Option<bool> Verbose = new("--verbose")
    {
        Description = "Show stack traces and extra diagnostics on errors",
        Recursive = true,
    };

    /// <summary>Builds the root command with every subcommand.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("AgentRnn: a memory (CNN + LSTM/GRU/RNN) plugin for game and RL agents.")
        {
            Verbose,
        };
        foreach (Command command in Commands.All())
        {
            root.Add(command);
        }
        return root;
    }

    /// <summary>
    /// Parses and runs; returns the process exit code. Without <paramref name="stdout"/> this is the real process: SIGINT
    /// and SIGTERM cancel the command (which finalises what it wrote) and give one "interrupted (SIGNAL)" line, and a
    /// stdout pipe whose reader has gone stops the command instead of being ignored.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null,
        CancellationToken cancellationToken = default)
    {
        bool process = stdout is null;
        TextWriter? pipe = process ? StdoutPipe.OpenIfPipe() : null;
        stdout ??= pipe ?? Console.Out;
        stderr ??= Console.Error;
        try
        {
            using SignalWatcher? signals = process ? SignalWatcher.Start(stderr) : null;
            using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, signals?.Token ?? CancellationToken.None);
            return await RunAsync(args, stdout, stderr, signals, cancellation.Token);
        }
        finally
        {
            try
            {
                pipe?.Dispose();
            }
            catch (IOException)
            {
                // The reader has gone; nothing is left to tell it.
            }
        }
    }

    private static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, SignalWatcher? signals,
        CancellationToken cancellationToken)
    {
        RootCommand root = Build();
        ParseResult parsed = root.Parse(args);
        string command = CommandPath(parsed.CommandResult);
        List<string> unknown = UnknownOptions(parsed);
        if (unknown.Count > 0 || parsed.Errors.Count > 0)
        {
            // All parse errors on one line: an unknown flag often also leaves a required argument missing.
            IEnumerable<string> messages = unknown.Select(u => $"unknown option {u.Split('=', 2)[0]}")
                .Concat(parsed.Errors.Select(e => e.Message.TrimEnd('.')).Where(m => !unknown.Any(u => m.Contains($"'{u}'", StringComparison.Ordinal))))
                .Distinct();
            stderr.WriteLine($"error: {string.Join("; ", messages)} (see '{command} --help')");
            return UsageError;
        }
        bool verbose = parsed.GetValue(Verbose);
        try
        {
            var config = new InvocationConfiguration
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
                // Signals are ours (SignalWatcher): no timeout may end the process while a command finalises its outputs.
                ProcessTerminationTimeout = null,
            };
            // A command that returns normally after a signal either finished its work anyway or is one a signal stops
            // by design (silo's graceful shutdown): its own exit code stands. Interrupted work throws instead.
            return await parsed.InvokeAsync(config, cancellationToken);
        }
        catch (OperationCanceledException e)
        {
            PosixSignal? signal = signals?.Received;
            string name = signal is PosixSignal s ? SignalWatcher.Name(s) : "cancelled";
            string kept = e is CommandInterruptedException ? $": {e.Message}" : "";
            stderr.WriteLine($"interrupted ({name}){kept}");
            return signal is PosixSignal r ? SignalWatcher.ExitCode(r) : Cancelled;
        }
        catch (AgentException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            if (verbose)
            {
                stderr.WriteLine(e);
            }
            return e.ExitCode;
        }
        catch (Exception e) when (StdoutPipe.IsBrokenPipe(e))
        {
            stderr.WriteLine($"error: {command}: stdout was closed by its reader (broken pipe); stopped");
            return StdoutClosedException.Code;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"error: {e.Message}");
            if (verbose)
            {
                stderr.WriteLine(e);
            }
            return 1;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"internal error: {e.GetType().Name}: {e.Message}" + (verbose ? "" : " (run with --verbose for the stack trace)"));
            if (verbose)
            {
                stderr.WriteLine(e);
            }
            return InternalError;
        }
    }

    /// <summary>
    /// Tokens that look like options but are none of the command's: those System.CommandLine leaves unmatched, and those
    /// it hands to a positional argument (label's VIDEO... would take "--bogus" as a video). After "--" every token is an
    /// argument; negative numbers are values.
    /// </summary>
    internal static List<string> UnknownOptions(ParseResult parsed)
    {
        var afterDoubleDash = new HashSet<Token>(ReferenceEqualityComparer.Instance);
        bool seen = false;
        foreach (Token token in parsed.Tokens)
        {
            if (seen)
            {
                afterDoubleDash.Add(token);
            }
            seen |= token.Type == TokenType.DoubleDash;
        }
        var unknown = new List<string>();
        foreach (string token in parsed.UnmatchedTokens)
        {
            if (LooksLikeOption(token))
            {
                unknown.Add(token);
            }
        }
        foreach (SymbolResult child in parsed.CommandResult.Children)
        {
            if (child is ArgumentResult argument)
            {
                unknown.AddRange(argument.Tokens.Where(t => !afterDoubleDash.Contains(t) && LooksLikeOption(t.Value)).Select(t => t.Value));
            }
        }
        return unknown.Distinct().ToList();
    }

    // "agent", "agent label", "agent train ppo": the command as typed, for "see '... --help'".
    private static string CommandPath(CommandResult result)
    {
        var names = new List<string>();
        for (SymbolResult? r = result; r is not null; r = r.Parent)
        {
            if (r is CommandResult { Command: not RootCommand } c)
            {
                names.Insert(0, c.Command.Name);
            }
        }
        return string.Join(' ', ["agent", .. names]);
    }

    private static bool LooksLikeOption(string token) =>
        token.Length > 1 && token[0] == '-' && !double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out _);
}
