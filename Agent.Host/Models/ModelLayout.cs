namespace AgentRnn.Host.Models;

/// <summary>The checkpoint layout a model was loaded from, recognised by tensor names.</summary>
public enum ModelLayout
{
    /// <summary>This repository's layout (docs/MODEL_FORMAT.md): the architecture in <c>__metadata__["agent.config"]</c>.</summary>
    Ours,

    /// <summary>CleanRL ppo_atari_lstm's <c>Agent</c> state_dict: network.*, lstm.*, actor.*, critic.*.</summary>
    CleanRl,

    /// <summary>SB3-contrib RecurrentPPO CnnLstmPolicy state_dict: features_extractor.*, lstm_actor.*, lstm_critic.*, action_net.*, value_net.*.</summary>
    Sb3RecurrentPpo,
}
