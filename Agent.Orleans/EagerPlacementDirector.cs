using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace AgentRnn.Orleans;

/// <summary>
/// Creates this silo's activation-count placement director when the silo starts. Orleans creates it at the first
/// placement, and a new director knows no silo's load: until it has heard statistics from every silo (published once
/// a second) it places every grain on its own silo. Without this, the first burst of new agents on a fresh cluster
/// could land almost wholly on one silo (two silos, 64 agents: 59/5, 55/9, 62/2 and 5/59 were seen; docs/DESIGN-NOTES.md).
/// </summary>
internal sealed class EagerPlacementDirector(IServiceProvider services) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) => lifecycle.Subscribe(
        nameof(EagerPlacementDirector),
        // Before Orleans' load publisher starts (RuntimeGrainServices), so the director hears its first exchange.
        ServiceLifecycleStage.RuntimeServices,
        _ =>
        {
            services.GetRequiredKeyedService<IPlacementDirector>(typeof(ActivationCountBasedPlacement));
            return Task.CompletedTask;
        });
}
