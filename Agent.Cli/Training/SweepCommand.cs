using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using AgentRnn.Core;
using AgentRnn.Core.Recurrent;
using AgentRnn.Host.Env;
using AgentRnn.Host.IO;
using AgentRnn.Host.Models;
using AgentRnn.Host.Training;

namespace AgentRnn.Cli.Training;

/// <summary>
/// `agent train sweep --delays 1,2,4,8,16 --cells lstm,gru,rnn --seeds 3 --out-dir DIR`: the seeds' memory result from
/// one command. For each cue delay it serves the cue-memory sample env with envs/serve.py, then for each seed and cell
/// trains a policy as `agent train ppo` does (the same <see cref="PpoTrainer"/>), saves it, and plays it greedily as
/// `agent run --deterministic` does (a fresh connection, other seeds). Writes DIR/sweep.csv (one row per run, appended
/// as each run ends), DIR/sweep.md (mean ± spread per cell and delay) and DIR/sweep.png (final deterministic return
/// against delay), and the models under DIR/models. What finished before a fault or Ctrl+C is kept in all three.
/// </summary>
internal static class SweepCommand
{
    /// <summary>A run's mean return at or below this counts as chance (a memoryless greedy policy earns 0 on average).</summary>
    internal const double ChanceLevel = 0.2;

    /// <summary>A run's mean return at or above this counts as solved (95 % of answers right).</summary>
    internal const double SolvedLevel = 0.9;

    internal static Command Create()
    {
        var delays = new Option<string>("--delays") { Description = "Cue delays (blank steps between cue and question), comma-separated", DefaultValueFactory = _ => "1,2,4,8,16" };
        var cells = new Option<string>("--cells") { Description = "Cells to train, comma-separated: lstm, gru, rnn", DefaultValueFactory = _ => "lstm,gru,rnn" };
        var seeds = new Option<int>("--seeds") { Description = "Seeds per cell and delay (1..S)", DefaultValueFactory = _ => 3 };
        var outDir = new Option<string>("--out-dir") { Description = "Folder for sweep.csv, sweep.md, sweep.png and models/ (created when missing)", Required = true };
        var total = new Option<long>("--total-steps") { Description = "Env steps per training run, all envs together", DefaultValueFactory = _ => 32_768 };
        var numEnvs = new Option<int>("--num-envs") { Description = "Envs the server runs per connection", DefaultValueFactory = _ => 8 };
        var numSteps = new Option<int>("--num-steps") { Description = "Steps per env in each rollout (also the BPTT length)", DefaultValueFactory = _ => 128 };
        var minibatches = new Option<int>("--num-minibatches") { Description = "Minibatches per epoch (must divide the envs)", DefaultValueFactory = _ => 4 };
        var lr = new Option<float>("--learning-rate") { Description = "Adam's learning rate", DefaultValueFactory = _ => 1e-3f };
        var hidden = new Option<int>("--hidden-size") { Description = "Recurrent hidden size", DefaultValueFactory = _ => 16 };
        var observation = new Option<string>("--observation") { Description = "The env's observations: vector (3 floats, an MLP encoder) or image (frames, NatureCNN)", DefaultValueFactory = _ => "vector" };
        var frameSize = new Option<int>("--frame-size") { Description = "Image observations: the env's frame side and the model's (at least 36)", DefaultValueFactory = _ => 36 };
        var episodes = new Option<int>("--episodes") { Description = "Episodes each trained model plays greedily for its final return", DefaultValueFactory = _ => 100 };
        var keepBias = new Option<float>("--keep-gate-bias") { Description = "Initial bias of the LSTM's forget gate and the GRU's update gate (CleanRL: 0; 1 is the usual LSTM advice); the RNN has none", DefaultValueFactory = _ => 0f };
        var python = new Option<string>("--python") { Description = "Python interpreter that runs the env server", DefaultValueFactory = _ => "python3" };
        var serve = new Option<string>("--serve") { Description = "The env server script", DefaultValueFactory = _ => Path.Combine("envs", "serve.py") };
        var timeout = new Option<double>("--timeout") { Description = "Seconds the server may take to start, and any reset or step", DefaultValueFactory = _ => 60 };
        var command = new Command("sweep", "Train LSTM, GRU and vanilla RNN policies on the cue-memory env at increasing cue delays, several seeds each, and tabulate and plot their final deterministic return against the delay")
        {
            delays, cells, seeds, outDir, total, numEnvs, numSteps, minibatches, lr, hidden, keepBias, observation, frameSize, episodes, python, serve, timeout,
        };
        command.SetAction((ParseResult r, CancellationToken cancellationToken) =>
        {
            TextWriter error = r.InvocationConfiguration.Error;
            int[] delayList = ParseList(r.GetValue(delays)!, "--delays", s =>
                int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int d) && d <= 10_000 ? d : throw new AgentException($"--delays: '{s}' is not a delay 0..10000"));
            CellKind[] cellList = ParseList(r.GetValue(cells)!, "--cells", s => s switch
            {
                "lstm" => CellKind.Lstm,
                "gru" => CellKind.Gru,
                "rnn" => CellKind.Rnn,
                _ => throw new AgentException($"--cells: '{s}' is not lstm, gru or rnn"),
            });
            int seedCount = r.GetValue(seeds), envs = r.GetValue(numEnvs), hiddenSize = r.GetValue(hidden), side = r.GetValue(frameSize), episodeCount = r.GetValue(episodes);
            double seconds = r.GetValue(timeout);
            string obs = r.GetValue(observation)!;
            Check(seedCount is >= 1 and <= 1000, $"--seeds must be 1..1000 (got {seedCount})");
            Check(envs is >= 1 and <= 4096, $"--num-envs must be 1..4096 (got {envs})");
            Check(hiddenSize >= 1 && hiddenSize <= ModelConfig.MaxDimension, $"--hidden-size must be 1..{ModelConfig.MaxDimension} (got {hiddenSize})");
            Check(obs is "vector" or "image", $"--observation must be vector or image (got '{obs}')");
            Check(side is >= 36 and <= 1024, $"--frame-size must be 36..1024 (got {side}); NatureCNN needs at least 36x36");
            Check(episodeCount is >= 1 and <= 1_000_000, $"--episodes must be 1..1000000 (got {episodeCount})");
            Check(seconds > 0 && seconds <= int.MaxValue / 1000.0, $"--timeout must be a positive number of seconds (got {seconds.ToString(CultureInfo.InvariantCulture)})");
            var options = new PpoOptions
            {
                TotalTimesteps = r.GetValue(total),
                NumSteps = r.GetValue(numSteps),
                NumMinibatches = r.GetValue(minibatches),
                LearningRate = r.GetValue(lr),
            };
            try
            {
                options.Validate(envs);
            }
            catch (ArgumentException e)
            {
                throw new AgentException(e.Message);
            }
            string serveScript = r.GetValue(serve)!;
            InputFiles.Check(serveScript, "env server script (--serve)");
            string dir = r.GetValue(outDir)!;
            if (File.Exists(dir))
            {
                throw new AgentException($"--out-dir {dir} is a file, not a folder");
            }
            Directory.CreateDirectory(Path.Combine(dir, "models"));
            var guard = new OutputGuard();
            guard.Input(serveScript, "env server script");
            string csvPath = guard.Output(Path.Combine(dir, "sweep.csv"), "sweep table (CSV)");
            string mdPath = guard.Output(Path.Combine(dir, "sweep.md"), "sweep table (markdown)");
            string pngPath = guard.Output(Path.Combine(dir, "sweep.png"), "sweep plot");

            var setup = new SweepSetup(cellList, delayList, seedCount, options, envs, hiddenSize, r.GetValue(keepBias), obs, side, episodeCount);
            var rows = new List<SweepRow>();
            int runs = delayList.Length * cellList.Length * seedCount;
            error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"sweep: {runs} runs ({cellList.Length} cell(s) x {delayList.Length} delay(s) x {seedCount} seed(s)), {options.TotalTimesteps} env steps each on {envs} {obs} cue-memory envs, hidden {hiddenSize}; {episodeCount} greedy episodes per model"));
            var clock = Stopwatch.StartNew();
            using var csv = new StreamWriter(csvPath + OutputGuard.PartialSuffix);
            csv.WriteLine(SweepRow.CsvHeader);
            void Write()
            {
                csv.Flush();
                File.Copy(csvPath + OutputGuard.PartialSuffix, csvPath, overwrite: true);
                WriteAtomically(mdPath, SweepTable.Markdown(setup, rows, CommandLine(r)));
                SweepPlot.Save(pngPath, setup, rows);
            }
            try
            {
                foreach (int delay in delayList)
                {
                    string kwargs = obs == "vector"
                        ? $"{{\"delay\": {delay}, \"obs\": \"vector\"}}"
                        : $"{{\"delay\": {delay}, \"height\": {side}, \"width\": {side}}}";
                    using var server = EnvServerProcess.Start(r.GetValue(python)!, serveScript, "samples.cue_memory:make", kwargs, envs, TimeSpan.FromSeconds(seconds));
                    for (int seed = 1; seed <= seedCount; seed++)
                    {
                        foreach (CellKind cell in cellList)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            string model = Path.Combine(dir, "models", string.Create(CultureInfo.InvariantCulture, $"{ModelConfig.CellName(cell)}-delay{delay}-seed{seed}.safetensors"));
                            SweepRow row = TrainAndPlay(server.Address, TimeSpan.FromSeconds(seconds), setup, cell, delay, seed, model, cancellationToken);
                            rows.Add(row);
                            csv.WriteLine(row.Csv());
                            Write();
                            error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                                $"[{rows.Count}/{runs}] {ModelConfig.CellName(cell)} delay {delay} seed {seed}: greedy return {row.DeterministicReturn:0.###} over {episodeCount} episodes (last training return {row.TrainingReturn:0.###}), {row.Seconds:0}s; {clock.Elapsed.TotalMinutes:0.0} min so far"));
                        }
                    }
                }
            }
            finally
            {
                // What finished before a fault or Ctrl+C stays in the table and the plot.
                Write();
                csv.Close();
                File.Move(csvPath + OutputGuard.PartialSuffix, csvPath, overwrite: true);
            }
            r.InvocationConfiguration.Output.WriteLine($"wrote {csvPath} ({rows.Count} runs), {mdPath}, {pngPath} in {clock.Elapsed.TotalMinutes:0.0} min");
            return Task.FromResult(0);
        });
        return command;
    }

    private static SweepRow TrainAndPlay(EnvAddress address, TimeSpan timeout, SweepSetup setup, CellKind cell, int delay, int seed, string modelPath, CancellationToken cancellationToken)
    {
        long t0 = Stopwatch.GetTimestamp();
        PpoOptions o = setup.Options;
        var options = new PpoOptions
        {
            TotalTimesteps = o.TotalTimesteps, NumSteps = o.NumSteps, NumMinibatches = o.NumMinibatches, LearningRate = o.LearningRate, Seed = seed,
        };
        double trainingReturn = double.NaN;
        long steps;
        using (SocketVectorEnv env = SocketVectorEnv.Connect(address, timeout))
        {
            var network = new TrainingNetwork(TrainCommand.ConfigFor(env.Spec, cell, setup.HiddenSize, setup.FrameSize, 1), seed);
            network.SetKeepGateBias(setup.KeepGateBias);
            using var trainer = new PpoTrainer(env, network, options);
            trainer.Run(s =>
            {
                if (!double.IsNaN(s.EpisodicReturn))
                {
                    trainingReturn = s.EpisodicReturn;
                }
            }, cancellationToken);
            TrainingCheckpoint.Save(modelPath, trainer.Network, trainer.Optimizer, trainer.GlobalStep, trainer.Update);
            steps = trainer.GlobalStep;
        }
        double trainSeconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        // As `agent run --model M --deterministic --seed S`: a new connection, seeds the training never used.
        using SocketVectorEnv play = SocketVectorEnv.Connect(address, timeout);
        PolicyModel model = PolicyModel.Load(modelPath);
        using var agent = new PolicyModelAgent(model, play.Spec, deterministic: true, seed: 0);
        RunReport report = EpisodeRunner.Run(play, agent, setup.Episodes, 1_000_000 + seed, cancellationToken);
        if (report.Episodes.Count == 0)
        {
            throw new AgentException($"{ModelConfig.CellName(cell)} delay {delay} seed {seed}: the greedy evaluation finished no episode");
        }
        double mean = report.Episodes.Average(e => e.Return);
        return new SweepRow(ModelConfig.CellName(cell), delay, seed, steps, trainingReturn, mean, report.Episodes.Count, trainSeconds,
            Stopwatch.GetElapsedTime(t0).TotalSeconds);
    }

    private static T[] ParseList<T>(string text, string option, Func<string, T> parse)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        Check(parts.Length > 0, $"{option} names nothing");
        T[] values = parts.Select(parse).ToArray();
        Check(values.Distinct().Count() == values.Length, $"{option} names a value twice ({text})");
        return values;
    }

    private static void Check(bool ok, string message)
    {
        if (!ok)
        {
            throw new AgentException(message);
        }
    }

    private static string CommandLine(ParseResult r) => "agent " + string.Join(' ', r.Tokens.Select(t => t.Value.Contains(' ') || t.Value.Contains('"') ? $"'{t.Value}'" : t.Value));

    private static void WriteAtomically(string path, string text)
    {
        File.WriteAllText(path + OutputGuard.PartialSuffix, text);
        File.Move(path + OutputGuard.PartialSuffix, path, overwrite: true);
    }
}

/// <summary>What a sweep runs: its cells, delays, seeds and the settings shared by every run.</summary>
internal sealed record SweepSetup(CellKind[] Cells, int[] Delays, int Seeds, PpoOptions Options, int NumEnvs, int HiddenSize, float KeepGateBias, string Observation, int FrameSize, int Episodes);

/// <summary>One training run of a sweep and its greedy evaluation.</summary>
internal sealed record SweepRow(string Cell, int Delay, int Seed, long Steps, double TrainingReturn, double DeterministicReturn, int Episodes, double TrainSeconds, double Seconds)
{
    internal const string CsvHeader = "cell,delay,seed,env_steps,last_training_return,deterministic_return,episodes,train_seconds,seconds";

    internal string Csv() => string.Create(CultureInfo.InvariantCulture,
        $"{Cell},{Delay},{Seed},{Steps},{(double.IsNaN(TrainingReturn) ? "" : TrainingReturn.ToString("0.####", CultureInfo.InvariantCulture))},{DeterministicReturn:0.####},{Episodes},{TrainSeconds:0.##},{Seconds:0.##}");
}

/// <summary>Mean and spread across seeds of the sweep's runs, and the markdown table.</summary>
internal static class SweepTable
{
    /// <summary>Mean, sample standard deviation (0 for one seed), min, max, the runs solved and the count, of one cell at one delay.</summary>
    internal readonly record struct Cell(double Mean, double Std, double Min, double Max, int Solved, int Count);

    internal static Cell? Summarise(IEnumerable<SweepRow> rows, string cell, int delay)
    {
        double[] r = rows.Where(x => x.Cell == cell && x.Delay == delay).Select(x => x.DeterministicReturn).ToArray();
        if (r.Length == 0)
        {
            return null;
        }
        double mean = r.Average();
        double std = r.Length > 1 ? Math.Sqrt(r.Sum(x => (x - mean) * (x - mean)) / (r.Length - 1)) : 0;
        return new Cell(mean, std, r.Min(), r.Max(), r.Count(x => x >= SweepCommand.SolvedLevel), r.Length);
    }

    internal static string Markdown(SweepSetup setup, IReadOnlyList<SweepRow> rows, string commandLine)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(string.Create(c, $"Final greedy return on the cue-memory env (+1 right, −1 wrong; chance 0), mean ± sample sd over {setup.Seeds} seed(s), [min, max], and runs solved (≥ {SweepCommand.SolvedLevel}); {setup.Options.TotalTimesteps:N0} env steps per run, {setup.NumEnvs} {setup.Observation} envs, hidden {setup.HiddenSize}, keep-gate bias {setup.KeepGateBias} (LSTM forget, GRU update), {setup.Episodes} greedy episodes per model."));
        sb.AppendLine();
        sb.Append("| cue delay |");
        foreach (CellKind cell in setup.Cells)
        {
            sb.Append(' ').Append(ModelConfig.CellName(cell)).Append(" |");
        }
        sb.AppendLine();
        sb.Append("|---:|");
        foreach (CellKind _ in setup.Cells)
        {
            sb.Append("---|");
        }
        sb.AppendLine();
        foreach (int delay in setup.Delays)
        {
            sb.Append(string.Create(c, $"| {delay} |"));
            foreach (CellKind cell in setup.Cells)
            {
                Cell? s = Summarise(rows, ModelConfig.CellName(cell), delay);
                sb.Append(s is Cell v
                    ? string.Create(c, $" {v.Mean:0.00} ± {v.Std:0.00} [{v.Min:0.00}, {v.Max:0.00}] {v.Solved}/{v.Count}{(v.Mean <= SweepCommand.ChanceLevel ? " (chance)" : "")} |")
                    : " — |");
            }
            sb.AppendLine();
        }
        sb.AppendLine();
        foreach (CellKind cell in setup.Cells)
        {
            string name = ModelConfig.CellName(cell);
            int? first = setup.Delays.Cast<int?>().FirstOrDefault(d => Summarise(rows, name, d!.Value) is Cell v && v.Mean <= SweepCommand.ChanceLevel);
            sb.AppendLine(first is int d
                ? string.Create(c, $"- {name}: at chance (mean ≤ {SweepCommand.ChanceLevel}) from delay {d}")
                : string.Create(c, $"- {name}: above chance at every delay run"));
        }
        sb.AppendLine();
        sb.AppendLine($"Made by `{commandLine}`.");
        return sb.ToString();
    }
}
