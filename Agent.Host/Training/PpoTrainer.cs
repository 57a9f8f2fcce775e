using System.Diagnostics;
using AgentRnn.Core.Spaces;
using AgentRnn.Host.Env;
using AgentRnn.Host.Models;

namespace AgentRnn.Host.Training;

/// <summary>
/// PPO with a recurrent policy, as CleanRL's ppo_atari_lstm.py: rollouts of <see cref="PpoOptions.NumSteps"/> steps
/// of every env (the memory carried across rollouts and zeroed when an episode starts), GAE, then
/// <see cref="PpoOptions.UpdateEpochs"/> epochs over minibatches of whole env sequences (BPTT from each env's state at
/// the rollout's start) with the clipped objective, clipped value loss, entropy bonus, global-norm clipping and Adam.
/// Every autoreset mode is handled: next-step mode's reset step (its action ignored) is kept in the sequence but
/// carries no loss. The rollout allocates nothing per step.
/// </summary>
public sealed class PpoTrainer : IDisposable
{
    private readonly IVectorEnv _env;
    private readonly PpoOptions _o;
    private readonly ObservationAdapter _adapter;
    private readonly ActionSpec _action;
    private readonly Space _actionSpace;
    private readonly int _n;         // envs
    private readonly int _t;         // steps per rollout
    private readonly int _size;      // input size
    private readonly int _dims;      // action entries per sample
    private readonly int _width;     // actor width
    private readonly int _stateSize;
    private readonly Random _random;
    private readonly VectorStep _step;
    private readonly SpaceBatch _actions;
    // Rollout storage, time-major (row t·N + i).
    private readonly byte[] _frames;
    private readonly float[] _vectors;
    private readonly float[] _starts;
    private readonly float[] _acts;
    private readonly float[] _logp;
    private readonly float[] _values;
    private readonly float[] _rewards;
    private readonly float[] _dones;
    private readonly float[] _valid;
    private readonly float[] _adv;
    private readonly float[] _returns;
    private readonly float[] _initialState;  // (N, S) at the rollout's start
    private readonly float[] _state;         // (N, S) carried
    private readonly float[] _scratchState;
    // The observation the next step acts on.
    private readonly byte[] _currentFrames;
    private readonly float[] _currentVectors;
    private readonly bool[] _currentStarts;
    private readonly float[] _currentStartsF;
    // Minibatch gathers.
    private readonly int _envsPerBatch;
    private readonly byte[] _mbFrames;
    private readonly float[] _mbVectors;
    private readonly float[] _mbStarts;
    private readonly float[] _mbState;
    private readonly float[] _dLogits;
    private readonly float[] _dValues;
    private readonly float[] _mbAdv;
    private readonly int[] _envOrder;
    private readonly bool[] _mask;
    private readonly double[] _episodeReturn;
    private double _finishedReturn;
    private int _finishedEpisodes;
    private readonly long _startStep;

    /// <summary>
    /// A trainer of <paramref name="network"/> on <paramref name="env"/>; <paramref name="optimizer"/> and
    /// <paramref name="globalStep"/> continue a previous run (--resume).
    /// </summary>
    public PpoTrainer(IVectorEnv env, TrainingNetwork network, PpoOptions options, Adam? optimizer = null, long globalStep = 0)
    {
        ArgumentNullException.ThrowIfNull(env);
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(options);
        _env = env;
        _o = options;
        Network = network;
        _n = env.Spec.NumEnvs;
        options.Validate(_n);
        _action = PolicyModelAgent.ActionSpecFor(env.Spec.ActionSpace);
        if (_action.Kind != network.Config.Action.Kind || !_action.Sizes.SequenceEqual(network.Config.Action.Sizes))
        {
            throw new Core.AgentException($"the model acts in {network.Config.Action} but the env acts in {env.Spec.ActionSpace}");
        }
        _actionSpace = env.Spec.ActionSpace;
        _adapter = new ObservationAdapter(network.Config, env.Spec);
        _t = options.NumSteps;
        _size = network.Config.InputSize;
        _dims = _action.ActionDimensions;
        _width = _action.Width;
        _stateSize = network.StateSize;
        _random = new Random(options.Seed);
        _step = new VectorStep(env.Spec);
        _actions = new SpaceBatch(_actionSpace, _n);
        int rows = _t * _n;
        bool images = _adapter.Images;
        _frames = images ? new byte[rows * _size] : [];
        _vectors = images ? [] : new float[rows * _size];
        _starts = new float[rows];
        _acts = new float[rows * _dims];
        _logp = new float[rows];
        _values = new float[rows];
        _rewards = new float[rows];
        _dones = new float[rows];
        _valid = new float[rows];
        _adv = new float[rows];
        _returns = new float[rows];
        _initialState = new float[_n * _stateSize];
        _state = new float[_n * _stateSize];
        _scratchState = new float[_n * _stateSize];
        _currentFrames = images ? new byte[_n * _size] : [];
        _currentVectors = images ? [] : new float[_n * _size];
        _currentStarts = new bool[_n];
        _currentStartsF = new float[_n];
        _envsPerBatch = _n / options.NumMinibatches;
        int mbRows = _t * _envsPerBatch;
        _mbFrames = images ? new byte[mbRows * _size] : [];
        _mbVectors = images ? [] : new float[mbRows * _size];
        _mbStarts = new float[mbRows];
        _mbState = new float[_envsPerBatch * _stateSize];
        _dLogits = new float[mbRows * _width];
        _dValues = new float[mbRows];
        _mbAdv = new float[mbRows];
        _envOrder = [.. Enumerable.Range(0, _n)];
        _mask = new bool[_n];
        _episodeReturn = new double[_n];
        Optimizer = optimizer ?? new Adam(network.Parameters, options.LearningRate, epsilon: 1e-5f);
        GlobalStep = globalStep;
        _startStep = globalStep;
        BatchSize = rows;
        NumUpdates = (int)Math.Max(1, options.TotalTimesteps / BatchSize);
        Update = (int)(globalStep / BatchSize);
    }

    /// <summary>The network being trained.</summary>
    public TrainingNetwork Network { get; }

    /// <summary>The optimizer (its moments and step count are saved for --resume).</summary>
    public Adam Optimizer { get; }

    /// <summary>Env steps taken, all envs together, including those of a resumed run.</summary>
    public long GlobalStep { get; private set; }

    /// <summary>Updates done, including those of a resumed run.</summary>
    public int Update { get; private set; }

    /// <summary>Samples per rollout: num_steps × envs.</summary>
    public int BatchSize { get; }

    /// <summary>Updates the whole run makes: total_timesteps / batch size.</summary>
    public int NumUpdates { get; }

    /// <summary>
    /// Trains until <see cref="NumUpdates"/> updates are done, calling <paramref name="onUpdate"/> after each.
    /// </summary>
    public void Run(Action<PpoUpdateStats> onUpdate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(onUpdate);
        long t0 = Stopwatch.GetTimestamp(), rolloutTicks = 0, learnTicks = 0;
        _env.Reset(_o.Seed, [], null, _step);
        Array.Fill(_currentStarts, true);
        Observe();
        while (Update < NumUpdates)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Update++;
            float frac = 1f - (Update - 1f) / NumUpdates;
            Optimizer.LearningRate = _o.AnnealLr ? frac * _o.LearningRate : _o.LearningRate;
            long r0 = Stopwatch.GetTimestamp();
            Rollout(cancellationToken);
            long r1 = Stopwatch.GetTimestamp();
            float explained = Advantages();
            (float pg, float v, float ent, float kl, float clip) = Learn();
            rolloutTicks += r1 - r0;
            learnTicks += Stopwatch.GetTimestamp() - r1;
            double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            onUpdate(new PpoUpdateStats(Update, GlobalStep, seconds, (GlobalStep - _startStep) / Math.Max(seconds, 1e-9),
                _finishedEpisodes > 0 ? _finishedReturn / _finishedEpisodes : double.NaN, _finishedEpisodes,
                pg, v, ent, kl, clip, explained, Optimizer.LearningRate,
                (double)rolloutTicks / Stopwatch.Frequency, (double)learnTicks / Stopwatch.Frequency));
        }
    }

    private void Observe()
    {
        for (int i = 0; i < _n; i++)
        {
            _currentStartsF[i] = _currentStarts[i] ? 1f : 0f;
        }
        if (_adapter.Images)
        {
            _adapter.Frames(_step.Observations, _currentStarts, _currentFrames);
        }
        else
        {
            _adapter.Vectors(_step.Observations, _currentVectors);
        }
    }

    private void Forward(int steps, int batch, ReadOnlySpan<byte> frames, ReadOnlySpan<float> vectors, ReadOnlySpan<float> starts, Span<float> state)
    {
        if (_adapter.Images)
        {
            Network.Forward(frames, steps, batch, starts, state);
        }
        else
        {
            Network.Forward(vectors, steps, batch, starts, state);
        }
    }

    private void Rollout(CancellationToken cancellationToken)
    {
        _finishedReturn = 0;
        _finishedEpisodes = 0;
        Array.Copy(_state, _initialState, _state.Length);
        for (int t = 0; t < _t; t++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int r0 = t * _n;
            if (_adapter.Images)
            {
                _currentFrames.CopyTo(_frames.AsSpan(r0 * _size));
            }
            else
            {
                _currentVectors.CopyTo(_vectors.AsSpan(r0 * _size));
            }
            _currentStartsF.CopyTo(_starts.AsSpan(r0));
            Forward(1, _n, _currentFrames, _currentVectors, _currentStartsF, _state);
            ReadOnlySpan<float> logits = Network.Logits;
            for (int i = 0; i < _n; i++)
            {
                int r = r0 + i;
                Span<float> a = _acts.AsSpan(r * _dims, _dims);
                ReadOnlySpan<float> row = logits.Slice(i * _width, _width);
                HeadMath.Sample(_action, row, Network.LogStd, _random, deterministic: false, a);
                _logp[r] = HeadMath.Evaluate(_action, row, Network.LogStd, a).LogProb;
                _values[r] = Network.Values[i];
                WriteAction(i, a);
            }
            _env.Step(_actions, _step);
            GlobalStep += _n;
            bool anyDone = false;
            for (int i = 0; i < _n; i++)
            {
                int r = r0 + i;
                StepFlags f = _step.Flags[i];
                bool done = (f & (StepFlags.Terminated | StepFlags.Truncated)) != 0;
                bool start = (f & StepFlags.EpisodeStart) != 0;
                bool valid = !(start && !done);   // next-step mode's reset step: not a transition of any episode
                _valid[r] = valid ? 1f : 0f;
                _rewards[r] = valid ? (float)_step.Rewards[i] : 0f;
                _dones[r] = done ? 1f : 0f;
                _currentStarts[i] = start;
                if (valid)
                {
                    _episodeReturn[i] += _step.Rewards[i];
                }
                if (done)
                {
                    _finishedReturn += _episodeReturn[i];
                    _finishedEpisodes++;
                    _episodeReturn[i] = 0;
                    _mask[i] = true;
                    anyDone = true;
                }
            }
            if (anyDone && _env.Spec.Autoreset == AutoresetMode.Disabled)
            {
                _env.Reset(null, _mask, null, _step);
                for (int i = 0; i < _n; i++)
                {
                    _currentStarts[i] = _mask[i];
                }
            }
            if (anyDone)
            {
                Array.Clear(_mask);
            }
            Observe();
        }
    }

    private void WriteAction(int i, ReadOnlySpan<float> a)
    {
        TensorBuffer output = _actions.Single;
        switch (_actionSpace)
        {
            case Discrete d:
                output.SetInt64(i, 0, d.Start + (long)a[0]);
                break;
            case MultiDiscrete m:
                for (int k = 0; k < m.ElementCount; k++)
                {
                    output.SetInt64(i, k, m.Start[k] + (long)a[k]);
                }
                break;
            case Box box:
                for (int k = 0; k < box.ElementCount; k++)
                {
                    output.SetFloat(i, k, Math.Clamp(a[k], box.LowAt(k), box.HighAt(k)));
                }
                break;
        }
    }

    // GAE over the rollout, bootstrapped from the value of the next observation; returns the explained variance.
    private float Advantages()
    {
        Array.Copy(_state, _scratchState, _state.Length);
        Forward(1, _n, _currentFrames, _currentVectors, _currentStartsF, _scratchState);
        ReadOnlySpan<float> next = Network.Values;
        for (int i = 0; i < _n; i++)
        {
            float lastGae = 0f;
            for (int t = _t - 1; t >= 0; t--)
            {
                int r = t * _n + i;
                if (_valid[r] == 0f)
                {
                    _adv[r] = 0f;
                    _returns[r] = _values[r];
                    lastGae = 0f;
                    continue;
                }
                float nextNonTerminal = 1f - _dones[r];
                float nextValue = t == _t - 1 ? next[i] : _values[r + _n];
                float delta = _rewards[r] + _o.Gamma * nextValue * nextNonTerminal - _values[r];
                lastGae = delta + _o.Gamma * _o.GaeLambda * nextNonTerminal * lastGae;
                _adv[r] = lastGae;
                _returns[r] = lastGae + _values[r];
            }
        }
        double sy = 0, syy = 0, sd = 0, sdd = 0;
        int count = 0;
        for (int r = 0; r < _returns.Length; r++)
        {
            if (_valid[r] == 0f)
            {
                continue;
            }
            double y = _returns[r], d = y - _values[r];
            sy += y;
            syy += y * y;
            sd += d;
            sdd += d * d;
            count++;
        }
        if (count == 0)
        {
            return float.NaN;
        }
        double varY = syy / count - (sy / count) * (sy / count);
        double varD = sdd / count - (sd / count) * (sd / count);
        return varY <= 0 ? float.NaN : (float)(1 - varD / varY);
    }

    private (float Pg, float V, float Ent, float Kl, float ClipFrac) Learn()
    {
        float pgLoss = 0, vLoss = 0, entropy = 0, approxKl = 0;
        long clipped = 0, samples = 0;
        int e = _envsPerBatch, rows = _t * e;
        for (int epoch = 0; epoch < _o.UpdateEpochs; epoch++)
        {
            // CleanRL shuffles the env indices each epoch and takes consecutive groups.
            for (int i = _n - 1; i > 0; i--)
            {
                int j = _random.Next(i + 1);
                (_envOrder[i], _envOrder[j]) = (_envOrder[j], _envOrder[i]);
            }
            for (int start = 0; start < _n; start += e)
            {
                Gather(start, e);
                Forward(_t, e, _mbFrames, _mbVectors, _mbStarts, _mbState);
                int valid = 0;
                double advSum = 0, advSq = 0;
                for (int t = 0; t < _t; t++)
                {
                    for (int j = 0; j < e; j++)
                    {
                        int r = t * _n + _envOrder[start + j];
                        if (_valid[r] != 0f)
                        {
                            valid++;
                            advSum += _adv[r];
                            advSq += (double)_adv[r] * _adv[r];
                        }
                    }
                }
                if (valid == 0)
                {
                    continue;
                }
                double mean = advSum / valid;
                // torch.std is the unbiased estimate.
                double std = valid > 1 ? Math.Sqrt(Math.Max(0, (advSq - valid * mean * mean) / (valid - 1))) : 0;
                float inv = 1f / valid;
                pgLoss = vLoss = entropy = approxKl = 0;
                ReadOnlySpan<float> logits = Network.Logits;
                ReadOnlySpan<float> values = Network.Values;
                Span<float> logStdGrad = Network.Config.Action.Kind == ActionKind.Box ? Network["actor.log_std"].Grad : [];
                Network.ZeroGrad();
                for (int t = 0; t < _t; t++)
                {
                    for (int j = 0; j < e; j++)
                    {
                        int m = t * e + j, r = t * _n + _envOrder[start + j];
                        Span<float> dl = _dLogits.AsSpan(m * _width, _width);
                        if (_valid[r] == 0f)
                        {
                            dl.Clear();
                            _dValues[m] = 0f;
                            continue;
                        }
                        ReadOnlySpan<float> row = logits.Slice(m * _width, _width);
                        ReadOnlySpan<float> a = _acts.AsSpan(r * _dims, _dims);
                        (float newLogp, float ent) = HeadMath.Evaluate(_action, row, Network.LogStd, a);
                        float logRatio = newLogp - _logp[r];
                        float ratio = MathF.Exp(logRatio);
                        approxKl += (ratio - 1f - logRatio) * inv;
                        if (MathF.Abs(ratio - 1f) > _o.ClipCoef)
                        {
                            clipped++;
                        }
                        samples++;
                        float adv = _o.NormAdv ? (float)((_adv[r] - mean) / (std + 1e-8)) : _adv[r];
                        float pg1 = -adv * ratio;
                        float pg2 = -adv * Math.Clamp(ratio, 1f - _o.ClipCoef, 1f + _o.ClipCoef);
                        pgLoss += MathF.Max(pg1, pg2) * inv;
                        // d max(pg1, pg2)/d logp: through pg1 when it is the max (pg2 equals it inside the clip range,
                        // with the same derivative), zero when the clipped term is larger (ratio outside the range).
                        float dLogp = pg1 >= pg2 ? -adv * ratio * inv : 0f;
                        entropy += ent * inv;
                        float v = values[m], ret = _returns[r];
                        float dv;
                        if (_o.ClipVloss)
                        {
                            float unclipped = (v - ret) * (v - ret);
                            float delta = v - _values[r];
                            float vClipped = _values[r] + Math.Clamp(delta, -_o.ClipCoef, _o.ClipCoef);
                            float clippedLoss = (vClipped - ret) * (vClipped - ret);
                            vLoss += 0.5f * MathF.Max(unclipped, clippedLoss) * inv;
                            dv = unclipped >= clippedLoss ? (v - ret) * inv
                                : MathF.Abs(delta) < _o.ClipCoef ? (vClipped - ret) * inv : 0f;
                        }
                        else
                        {
                            vLoss += 0.5f * (v - ret) * (v - ret) * inv;
                            dv = (v - ret) * inv;
                        }
                        _dValues[m] = _o.VfCoef * dv;
                        HeadMath.Backward(_action, row, Network.LogStd, a, dLogp, -_o.EntCoef * inv, dl, logStdGrad);
                    }
                }
                Network.Backward(_dLogits.AsSpan(0, rows * _width), _dValues.AsSpan(0, rows));
                Adam.ClipGlobalNorm(Network.Parameters, _o.MaxGradNorm);
                Optimizer.Step();
            }
            if (_o.TargetKl is float target && approxKl > target)
            {
                break;
            }
        }
        return (pgLoss, vLoss, entropy, approxKl, samples == 0 ? 0f : (float)clipped / samples);
    }

    private void Gather(int start, int e)
    {
        for (int j = 0; j < e; j++)
        {
            int env = _envOrder[start + j];
            Array.Copy(_initialState, env * _stateSize, _mbState, j * _stateSize, _stateSize);
            for (int t = 0; t < _t; t++)
            {
                int m = t * e + j, r = t * _n + env;
                _mbStarts[m] = _starts[r];
                if (_adapter.Images)
                {
                    Array.Copy(_frames, r * _size, _mbFrames, m * _size, _size);
                }
                else
                {
                    Array.Copy(_vectors, r * _size, _mbVectors, m * _size, _size);
                }
            }
        }
    }

    /// <summary>Disposes the frame preprocessors.</summary>
    public void Dispose() => _adapter.Dispose();
}
