using Microsoft.Extensions.Options;
using Orleans;
using Orleans.Placement;
using Orleans.Runtime;

namespace AgentRnn.Orleans;

/// <summary>The persisted state of one agent grain.</summary>
[GenerateSerializer]
public sealed class AgentGrainState
{
    /// <summary>The model's memory bytes for the agent after <see cref="LastStep"/>; empty for a fresh agent.</summary>
    [Id(0)] public byte[] Memory { get; set; } = [];

    /// <summary>The last applied step, -1 before the first.</summary>
    [Id(1)] public long LastStep { get; set; } = -1;

    /// <summary>The decision of <see cref="LastStep"/> (what a retried step returns).</summary>
    [Id(2)] public AgentAction? LastResult { get; set; }
}

/// <summary>
/// The grain of one agent: its memory lives in the silo's model while active and in the grain storage always
/// (every step, or every <see cref="AgentSiloOptions.PersistInterval"/>); see <see cref="IAgentGrain"/>. Placed on the
/// silo with the fewest activations, so each silo batches a like share of the agents.
/// </summary>
[ActivationCountBasedPlacement]
internal sealed class AgentGrain : Grain, IAgentGrain
{
    private readonly IPersistentState<AgentGrainState> _state;
    private readonly AgentBatcher _batcher;
    private readonly TimeSpan? _interval;
    private int _agentId;
    private bool _dirty;

    public AgentGrain(
        [PersistentState("agent", AgentSiloOptions.StorageName)] IPersistentState<AgentGrainState> state,
        AgentBatcher batcher,
        IOptions<AgentSiloOptions> options)
    {
        _state = state;
        _batcher = batcher;
        _interval = options.Value.PersistInterval;
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        long key = this.GetPrimaryKeyLong();
        if (key is < int.MinValue or > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(key), $"agent id {key} does not fit the model's 32-bit agent ids");
        }
        _agentId = (int)key;
        // Whatever this silo's model remembers of the agent from an earlier activation is stale: the storage is the truth.
        await _batcher.RestoreAsync(_agentId, _state.State.Memory);
        if (_interval is { } interval)
        {
            this.RegisterGrainTimer(PersistIfDirtyAsync, interval, interval);
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        try
        {
            await PersistIfDirtyAsync(cancellationToken);
        }
        finally
        {
            await _batcher.RemoveAsync(_agentId);
        }
    }

    public async Task<AgentAction> Act(AgentFrame frame, long step, bool details = false)
    {
        ArgumentNullException.ThrowIfNull(frame);
        AgentGrainState s = _state.State;
        if (step == s.LastStep && s.LastResult is { } last)
        {
            return Shape(last with { Replayed = true }, details);
        }
        if (step != s.LastStep + 1)
        {
            throw new AgentStepException(_agentId, step, s.LastStep);
        }
        bool everyStep = _interval is null;
        ActOutcome outcome = await _batcher.ActAsync(_agentId, frame, saveMemory: everyStep);
        var result = new AgentAction
        {
            Step = step,
            Action = outcome.Action,
            Value = outcome.Value,
            Probabilities = outcome.Probabilities,
            BatchSize = outcome.BatchSize,
        };
        if (everyStep)
        {
            (byte[] memory, long lastStep, AgentAction? lastResult) = (s.Memory, s.LastStep, s.LastResult);
            s.Memory = outcome.Memory!;
            s.LastStep = step;
            s.LastResult = result;
            try
            {
                await _state.WriteStateAsync();
            }
            catch
            {
                // Not known to be persisted, so not acknowledged: the model may be a step ahead of the storage. The next
                // activation reads the storage (this step applied or not) and the caller's retry is applied at most once.
                (s.Memory, s.LastStep, s.LastResult) = (memory, lastStep, lastResult);
                DeactivateOnIdle();
                throw;
            }
        }
        else
        {
            s.LastStep = step;
            s.LastResult = result;
            _dirty = true;
        }
        return Shape(result, details);
    }

    public async Task Reset()
    {
        await _batcher.ResetAsync(_agentId);
        _dirty = true;
        if (_interval is null)
        {
            await PersistIfDirtyAsync(CancellationToken.None);
        }
    }

    public async Task<AgentSnapshot> Snapshot()
    {
        AgentGrainState s = _state.State;
        byte[] memory = await _batcher.SaveAsync(_agentId);
        return new AgentSnapshot { Memory = memory, LastStep = s.LastStep, LastResult = s.LastResult, ModelFingerprint = _batcher.ModelFingerprint };
    }

    private async Task PersistIfDirtyAsync(CancellationToken cancellationToken)
    {
        if (!_dirty)
        {
            return;
        }
        AgentGrainState s = _state.State;
        byte[] previous = s.Memory;
        s.Memory = await _batcher.SaveAsync(_agentId);
        try
        {
            await _state.WriteStateAsync(cancellationToken);
            _dirty = false;
        }
        catch when (_interval is null)
        {
            s.Memory = previous;
            DeactivateOnIdle();
            throw;
        }
    }

    private static AgentAction Shape(AgentAction result, bool details) => details ? result : result with { Probabilities = null };
}
