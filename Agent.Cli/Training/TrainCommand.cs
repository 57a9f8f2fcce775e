using System.CommandLine;
using System.Globalization;
using AgentRnn.Cli.Training;
using AgentRnn.Core;
using AgentRnn.Core.Spaces;
using AgentRnn.Host.Env;
using AgentRnn.Host.IO;
using AgentRnn.Host.Models;
using AgentRnn.Host.Training;
using AgentRnn.Core.Recurrent;

namespace AgentRnn.Cli;

/// <summary>
/// `agent train ppo --env ADDR --out MODEL.safetensors [--cell lstm|gru|rnn] [--total-steps N] [--seed S] [--resume MODEL]
/// [CleanRL's hyperparameter flags]`: trains a recurrent policy with PPO (CleanRL's ppo_atari_lstm) against a socket env.
/// `agent train labels ...` (supervised BPTT from per-frame labels) and `agent train sweep ...` (the cue-delay memory
/// sweep, <see cref="SweepCommand"/>) live in the same group.
/// </summary>
internal static class TrainCommand
{
    internal static Command Create()
    {
        var command = new Command("train", "Train a recurrent model in C#: PPO against a socket env, or supervised from per-frame video labels");
        command.Add(CreatePpo());
        command.Add(CreateLabels());
        command.Add(SweepCommand.Create());
        return command;
    }

    private static Command CreatePpo()
    {
        var env = new Option<string>("--env") { Description = "Env server address: tcp://HOST:PORT or unix:PATH (the number of envs comes from the server)", Required = true };
        var output = new Option<string>("--out") { Description = "Model to write (safetensors): CleanRL's ppo_atari_lstm layout for NatureCNN+LSTM, ours otherwise; MODEL.adam.safetensors, MODEL.csv and MODEL.png beside it", Required = true };
        var cell = new Option<string>("--cell") { Description = "Recurrent cell: lstm, gru or rnn", DefaultValueFactory = _ => "lstm" };
        var total = new Option<long>("--total-steps", "--total-timesteps") { Description = "Env steps to train for, all envs together (CleanRL's total_timesteps)", DefaultValueFactory = _ => 10_000_000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the env resets (env i gets S + i), the initial weights and the sampling", DefaultValueFactory = _ => 1 };
        var resume = new Option<string?>("--resume") { Description = "Continue from this model (and its MODEL.adam.safetensors optimizer state and step count when present)" };
        var lr = new Option<float>("--learning-rate") { Description = "Adam's learning rate", DefaultValueFactory = _ => 2.5e-4f };
        var numSteps = new Option<int>("--num-steps") { Description = "Steps per env in each rollout", DefaultValueFactory = _ => 128 };
        var anneal = new Option<bool>("--anneal-lr") { Description = "Decay the learning rate linearly to 0 (true/false)", DefaultValueFactory = _ => true, Arity = ArgumentArity.ZeroOrOne };
        var gamma = new Option<float>("--gamma") { Description = "Discount", DefaultValueFactory = _ => 0.99f };
        var lambda = new Option<float>("--gae-lambda") { Description = "GAE's lambda", DefaultValueFactory = _ => 0.95f };
        var minibatches = new Option<int>("--num-minibatches") { Description = "Minibatches per epoch, each of whole env sequences (must divide the envs)", DefaultValueFactory = _ => 4 };
        var epochs = new Option<int>("--update-epochs") { Description = "Epochs per update", DefaultValueFactory = _ => 4 };
        var normAdv = new Option<bool>("--norm-adv") { Description = "Normalise advantages per minibatch (true/false)", DefaultValueFactory = _ => true, Arity = ArgumentArity.ZeroOrOne };
        var clip = new Option<float>("--clip-coef") { Description = "Surrogate clipping coefficient", DefaultValueFactory = _ => 0.1f };
        var clipV = new Option<bool>("--clip-vloss") { Description = "Clip the value loss (true/false)", DefaultValueFactory = _ => true, Arity = ArgumentArity.ZeroOrOne };
        var ent = new Option<float>("--ent-coef") { Description = "Entropy bonus coefficient", DefaultValueFactory = _ => 0.01f };
        var vf = new Option<float>("--vf-coef") { Description = "Value loss coefficient", DefaultValueFactory = _ => 0.5f };
        var maxNorm = new Option<float>("--max-grad-norm") { Description = "Global gradient-norm clip", DefaultValueFactory = _ => 0.5f };
        var targetKl = new Option<float?>("--target-kl") { Description = "Stop an update's epochs once the approximate KL exceeds this (default: never)" };
        var hidden = new Option<int>("--hidden-size") { Description = "Recurrent hidden size", DefaultValueFactory = _ => 128 };
        var frameSize = new Option<int>("--frame-size") { Description = "Image envs: square gray frame side the model sees (at least 36)", DefaultValueFactory = _ => 84 };
        var keepBias = new Option<float>("--keep-gate-bias") { Description = "New models: initial bias of the LSTM's forget gate and the GRU's update gate (CleanRL: 0; 1 is the usual LSTM advice)", DefaultValueFactory = _ => 0f };
        var frameStack = new Option<int>("--frame-stack") { Description = "Image envs: frames stacked per observation (ppo_atari_lstm uses 1)", DefaultValueFactory = _ => 1 };
        var saveEvery = new Option<int>("--save-every") { Description = "Write a checkpoint every N updates (and always at the end)", DefaultValueFactory = _ => 10 };
        var timeout = new Option<double>("--timeout") { Description = "Seconds any connect, reset or step may take before failing", DefaultValueFactory = _ => 30 };
        var command = new Command("ppo", "Train a recurrent policy with PPO (CleanRL's ppo_atari_lstm) against an env served over a socket")
        {
            env, output, cell, total, seed, resume, lr, numSteps, anneal, gamma, lambda, minibatches, epochs, normAdv, clip, clipV, ent, vf,
            maxNorm, targetKl, hidden, frameSize, keepBias, frameStack, saveEvery, timeout,
        };
        command.SetAction((ParseResult r, CancellationToken cancellationToken) =>
        {
            TextWriter error = r.InvocationConfiguration.Error;
            TextWriter stdout = r.InvocationConfiguration.Output;
            CellKind cellKind = r.GetValue(cell) switch
            {
                "lstm" => CellKind.Lstm,
                "gru" => CellKind.Gru,
                "rnn" => CellKind.Rnn,
                string other => throw new AgentException($"--cell must be lstm, gru or rnn (got '{other}')"),
                null => CellKind.Lstm,
            };
            var options = new PpoOptions
            {
                TotalTimesteps = r.GetValue(total),
                LearningRate = r.GetValue(lr),
                NumSteps = r.GetValue(numSteps),
                AnnealLr = r.GetValue(anneal),
                Gamma = r.GetValue(gamma),
                GaeLambda = r.GetValue(lambda),
                NumMinibatches = r.GetValue(minibatches),
                UpdateEpochs = r.GetValue(epochs),
                NormAdv = r.GetValue(normAdv),
                ClipCoef = r.GetValue(clip),
                ClipVloss = r.GetValue(clipV),
                EntCoef = r.GetValue(ent),
                VfCoef = r.GetValue(vf),
                MaxGradNorm = r.GetValue(maxNorm),
                TargetKl = r.GetValue(targetKl),
                Seed = r.GetValue(seed),
            };
            int hiddenSize = r.GetValue(hidden), side = r.GetValue(frameSize), stack = r.GetValue(frameStack), every = r.GetValue(saveEvery);
            double seconds = r.GetValue(timeout);
            if (hiddenSize < 1 || hiddenSize > ModelConfig.MaxDimension)
            {
                throw new AgentException($"--hidden-size must be 1..{ModelConfig.MaxDimension} (got {hiddenSize})");
            }
            if (side < 36 || side > 1024)
            {
                throw new AgentException($"--frame-size must be 36..1024 (got {side}); NatureCNN needs at least 36x36");
            }
            if (stack < 1 || stack > 16)
            {
                throw new AgentException($"--frame-stack must be 1..16 (got {stack})");
            }
            if (every < 1)
            {
                throw new AgentException($"--save-every must be at least 1 (got {every})");
            }
            if (!(seconds > 0) || seconds > int.MaxValue / 1000.0)
            {
                throw new AgentException($"--timeout must be a positive number of seconds (got {seconds.ToString(CultureInfo.InvariantCulture)})");
            }
            string outPath = r.GetValue(output)!;
            string? resumePath = r.GetValue(resume);
            string stem = Path.Combine(Path.GetDirectoryName(outPath) ?? "", Path.GetFileNameWithoutExtension(outPath));
            var guard = new OutputGuard();
            if (resumePath is not null)
            {
                InputFiles.Check(resumePath, "model to resume");
                guard.Input(resumePath, "model to resume");
                guard.Input(TrainingCheckpoint.OptimizerPath(resumePath), "optimizer state to resume");
            }
            guard.Output(outPath, "model");
            guard.Output(TrainingCheckpoint.OptimizerPath(outPath), "optimizer state");
            string csvPath = guard.Output(stem + ".csv", "training curves");
            string pngPath = guard.Output(stem + ".png", "training plot");

            EnvAddress address = EnvAddress.Parse(r.GetValue(env)!);
            using SocketVectorEnv vectorEnv = SocketVectorEnv.Connect(address, TimeSpan.FromSeconds(seconds));
            EnvSpec spec = vectorEnv.Spec;
            TrainingNetwork network;
            Adam? adam = null;
            long globalStep = 0;
            if (resumePath is not null)
            {
                (network, adam, globalStep) = TrainingCheckpoint.Load(resumePath, options.LearningRate);
            }
            else
            {
                network = new TrainingNetwork(ConfigFor(spec, cellKind, hiddenSize, side, stack), options.Seed);
                network.SetKeepGateBias(r.GetValue(keepBias));
            }
            try
            {
                options.Validate(spec.NumEnvs);
            }
            catch (ArgumentException e)
            {
                throw new AgentException(e.Message);
            }
            using var trainer = new PpoTrainer(vectorEnv, network, options, adam, globalStep);
            ModelConfig config = network.Config;
            error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"training on {address}: {spec.NumEnvs} env(s), {spec.ObservationSpace} → {spec.ActionSpace}; {ModelConfig.EncoderName(config.Encoder)} "
                + $"{config.Channels}x{config.Height}x{config.Width} → {ModelConfig.CellName(config.Cell)} {config.HiddenSize}, {network.Parameters.Sum(p => (long)p.Data.Length):N0} parameters; "
                + $"{trainer.NumUpdates} updates of {trainer.BatchSize} steps{(resumePath is null ? "" : $", resuming {resumePath} at step {globalStep}")}"));

            var points = new List<TrainingPlot.Point>();
            using var csv = new StreamWriter(csvPath + ".partial");
            csv.WriteLine("update,global_step,seconds,steps_per_second,episodic_return,episodes,policy_loss,value_loss,entropy,approx_kl,clipfrac,explained_variance,learning_rate,rollout_seconds,learn_seconds");
            string title = $"agent train ppo · {ModelConfig.CellName(config.Cell)} {config.HiddenSize} · {address}";
            void Checkpoint()
            {
                TrainingCheckpoint.Save(outPath, trainer.Network, trainer.Optimizer, trainer.GlobalStep, trainer.Update);
                csv.Flush();
                File.Copy(csvPath + ".partial", csvPath, overwrite: true);
                TrainingPlot.Save(pngPath, title, points);
            }
            DateTime lastLine = DateTime.MinValue;
            try
            {
                trainer.Run(s =>
                {
                    CultureInfo c = CultureInfo.InvariantCulture;
                    csv.WriteLine(string.Create(c,
                        $"{s.Update},{s.GlobalStep},{s.Seconds:0.###},{s.StepsPerSecond:0.#},{(double.IsNaN(s.EpisodicReturn) ? "" : s.EpisodicReturn.ToString("0.####", c))},{s.Episodes},{s.PolicyLoss:0.######},{s.ValueLoss:0.######},{s.Entropy:0.######},{s.ApproxKl:0.######},{s.ClipFraction:0.####},{s.ExplainedVariance:0.####},{s.LearningRate:0.########},{s.RolloutSeconds:0.###},{s.LearnSeconds:0.###}"));
                    points.Add(new TrainingPlot.Point(s.GlobalStep, s.EpisodicReturn, s.PolicyLoss, s.ValueLoss, s.Entropy));
                    if (DateTime.UtcNow - lastLine > TimeSpan.FromSeconds(1) || s.Update == trainer.NumUpdates)
                    {
                        lastLine = DateTime.UtcNow;
                        error.WriteLine(string.Create(c,
                            $"update {s.Update}/{trainer.NumUpdates}  step {s.GlobalStep}  {s.StepsPerSecond:0} steps/s  return {s.EpisodicReturn:0.###} ({s.Episodes} ep)  pg {s.PolicyLoss:0.####}  v {s.ValueLoss:0.####}  ent {s.Entropy:0.###}  kl {s.ApproxKl:0.####}  clip {s.ClipFraction:0.###}  {s.Seconds:0}s (rollout {s.RolloutSeconds:0}s, learn {s.LearnSeconds:0}s)"));
                    }
                    if (s.Update % every == 0 && s.Update < trainer.NumUpdates)
                    {
                        Checkpoint();
                    }
                }, cancellationToken);
            }
            finally
            {
                // Work done before a fault or Ctrl+C is kept, and no partial file is left beside it.
                Checkpoint();
                csv.Close();
                File.Move(csvPath + ".partial", csvPath, overwrite: true);
            }
            stdout.WriteLine($"wrote {outPath} ({(trainer.Network.SavesCleanRlLayout ? "CleanRL ppo_atari_lstm layout" : "AgentRnn layout")}, step {trainer.GlobalStep}), {TrainingCheckpoint.OptimizerPath(outPath)}, {csvPath}, {pngPath}");
            return Task.FromResult(0);
        });
        return command;
    }

    private static Command CreateLabels()
    {
        var videos = new Argument<string[]>("VIDEO") { Description = "Videos to learn from", Arity = ArgumentArity.OneOrMore };
        var labelFiles = new Option<string[]>("--labels") { Description = "CSV with frame,label columns (what agent label writes), one per video in order", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--out") { Description = "Model to write (safetensors, our layout; the class names in agent.train.classes)", Required = true };
        var cell = new Option<string>("--cell") { Description = "Recurrent cell: lstm, gru or rnn", DefaultValueFactory = _ => "lstm" };
        var seqLen = new Option<int>("--seq-len") { Description = "Frames per truncated-BPTT sequence", DefaultValueFactory = _ => 32 };
        var batch = new Option<int>("--batch-size") { Description = "Sequences per minibatch", DefaultValueFactory = _ => 8 };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the training sequences", DefaultValueFactory = _ => 10 };
        var lr = new Option<float>("--learning-rate") { Description = "Adam's learning rate", DefaultValueFactory = _ => 1e-3f };
        var val = new Option<float>("--val-fraction") { Description = "Share of each video's sequences held out for validation", DefaultValueFactory = _ => 0.2f };
        var hidden = new Option<int>("--hidden-size") { Description = "Recurrent hidden size", DefaultValueFactory = _ => 128 };
        var frameSize = new Option<int>("--frame-size") { Description = "Square gray frame side the model sees (at least 36)", DefaultValueFactory = _ => 84 };
        var seed = new Option<int>("--seed") { Description = "Seed of the initialisation and shuffling", DefaultValueFactory = _ => 1 };
        var command = new Command("labels", "Train a model to label every frame of videos (supervised BPTT on truncated sequences, validation accuracy reported)")
        {
            videos, labelFiles, output, cell, seqLen, batch, epochs, lr, val, hidden, frameSize, seed,
        };
        command.SetAction((ParseResult r, CancellationToken cancellationToken) =>
        {
            TextWriter error = r.InvocationConfiguration.Error;
            string[] paths = r.GetValue(videos)!;
            string[] csvs = r.GetValue(labelFiles)!;
            if (csvs.Length != paths.Length)
            {
                throw new AgentException($"--labels: {csvs.Length} file(s) for {paths.Length} video(s); give one labels CSV per video, in order");
            }
            CellKind cellKind = ParseCell(r.GetValue(cell));
            int side = r.GetValue(frameSize), hiddenSize = r.GetValue(hidden);
            if (side < 36 || side > 1024)
            {
                throw new AgentException($"--frame-size must be 36..1024 (got {side}); NatureCNN needs at least 36x36");
            }
            if (hiddenSize < 1 || hiddenSize > ModelConfig.MaxDimension)
            {
                throw new AgentException($"--hidden-size must be 1..{ModelConfig.MaxDimension} (got {hiddenSize})");
            }
            string outPath = r.GetValue(output)!;
            var guard = new OutputGuard();
            foreach (string v in paths)
            {
                guard.Input(v, "video");
            }
            foreach (string c in csvs)
            {
                guard.Input(c, "labels file");
            }
            guard.Output(outPath, "model");
            // Class names in order of first appearance, unless every label is an index.
            var perVideo = csvs.Select(LabelTrainer.ReadLabels).ToArray();
            string[] all = perVideo.SelectMany(d => d.Values).ToArray();
            bool indices = all.Length > 0 && all.All(l => int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out int k) && k < ModelConfig.MaxDimension);
            string[] classes = indices
                ? Enumerable.Range(0, all.Max(l => int.Parse(l, CultureInfo.InvariantCulture)) + 1).Select(k => k.ToString(CultureInfo.InvariantCulture)).ToArray()
                : all.Distinct(StringComparer.Ordinal).ToArray();
            if (classes.Length < 2)
            {
                throw new AgentException($"the labels name {classes.Length} class(es); training needs at least 2");
            }
            var index = classes.Select((name, k) => (name, k)).ToDictionary(p => p.name, p => p.k, StringComparer.Ordinal);
            var options = new LabelTrainOptions
            {
                SequenceLength = r.GetValue(seqLen), BatchSize = r.GetValue(batch), Epochs = r.GetValue(epochs),
                LearningRate = r.GetValue(lr), ValidationFraction = r.GetValue(val), Seed = r.GetValue(seed),
            };
            ModelConfig config = ModelConfig.ForFrames(new PreprocessConfig(side, side, true, 1, PreprocessConfig.DefaultScale), ActionSpec.Discrete(classes.Length), cell: cellKind, hiddenSize: hiddenSize);
            var trainer = new LabelTrainer(new TrainingNetwork(config, options.Seed), options);
            for (int i = 0; i < paths.Length; i++)
            {
                int frames = trainer.AddVideo(paths[i], perVideo[i].ToDictionary(kv => kv.Key, kv => index[kv.Value]));
                error.WriteLine($"{paths[i]}: {frames} frames, {perVideo[i].Count} labelled");
            }
            (int trainFrames, int valFrames) = trainer.Frames;
            error.WriteLine($"training {ModelConfig.CellName(cellKind)} {hiddenSize} on {trainFrames} frames, validating on {valFrames}; classes {string.Join(", ", classes)}");
            LabelEpochStats? last = null;
            trainer.Run(s =>
            {
                last = s;
                error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {s.Epoch}/{options.Epochs}  loss {s.TrainLoss:0.####}  train accuracy {s.TrainAccuracy:0.###}  validation accuracy {s.ValidationAccuracy:0.###}"));
            }, cancellationToken);
            trainer.Network.Save(outPath, new Dictionary<string, string> { ["agent.train.classes"] = string.Join(",", classes) });
            r.InvocationConfiguration.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {outPath}: validation accuracy {last!.ValidationAccuracy:0.###} over {last.ValidationFrames} frames, train accuracy {last.TrainAccuracy:0.###} over {last.TrainFrames}"));
            return Task.FromResult(0);
        });
        return command;
    }

    private static CellKind ParseCell(string? name) => name switch
    {
        "lstm" or null => CellKind.Lstm,
        "gru" => CellKind.Gru,
        "rnn" => CellKind.Rnn,
        _ => throw new AgentException($"--cell must be lstm, gru or rnn (got '{name}')"),
    };

    /// <summary>The model for an env's spaces: gray square frames → NatureCNN (512 features), other Boxes → a 64-64 tanh MLP; then the cell and the head.</summary>
    internal static ModelConfig ConfigFor(EnvSpec spec, CellKind cell, int hidden, int side, int stack)
    {
        Box obs = spec.ObservationSpace as Box ?? throw new AgentException($"agent train ppo needs a Box observation space; this env observes {spec.ObservationSpace}");
        ActionSpec action = PolicyModelAgent.ActionSpecFor(spec.ActionSpace);
        bool image = obs.DType == DType.UInt8 && obs.Shape.Length == 3;
        return image
            ? ModelConfig.ForFrames(new PreprocessConfig(side, side, true, stack, PreprocessConfig.DefaultScale), action, cell: cell, hiddenSize: hidden)
            : ModelConfig.ForVectors(obs.ElementCount, action, cell: cell, hiddenSize: hidden);
    }
}
