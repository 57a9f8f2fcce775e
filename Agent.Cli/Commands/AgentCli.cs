using System.CommandLine;
using AgentRnn.Core;

namespace AgentRnn.Cli;

/// <summary>
/// The `agent` command line: builds the command tree, turns parse errors and <see cref="AgentException"/>s
/// into one line on stderr with a non-zero exit code, and shows stack traces only with --verbose.
/// </summary>
public static class AgentCli
{
    /// <summary>Exit code for a command line that does not parse (unknown flag, bad value, contradiction).</summary>
    public const int UsageError = 2;

    /// <summary>Exit code for a bug (an exception that is not an <see cref="AgentException"/>).</summary>
    public const int InternalError = 70;

    /// <summary>Exit code after Ctrl+C, as shells report SIGINT.</summary>
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

    /// <summary>Parses and runs; returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter? stdout = null, TextWriter? stderr = null)
    {
        stdout ??= Console.Out;
        stderr ??= Console.Error;
        RootCommand root = Build();
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            string command = parsed.CommandResult.Command is RootCommand ? "agent" : $"agent {parsed.CommandResult.Command.Name}";
            // All parse errors on one line: an unknown flag often also leaves a required argument missing.
            string messages = string.Join("; ", parsed.Errors.Select(e => e.Message.TrimEnd('.')).Distinct());
            stderr.WriteLine($"error: {messages} (see '{command} --help')");
            return UsageError;
        }
        bool verbose = parsed.GetValue(Verbose);
        try
        {
            var config = new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false };
            return await parsed.InvokeAsync(config);
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine("cancelled");
            return Cancelled;
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
}
