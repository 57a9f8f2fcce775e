namespace AgentRnn.Core.Compute.Network;

/// <summary>
/// A recurrent core over the encoder's features and the heads on its top-layer h. CleanRL's ppo_atari_lstm is one
/// branch with heads [actor, critic]; SB3's RecurrentPPO is two: lstm_actor with [action_net] and lstm_critic with [value_net].
/// </summary>
/// <param name="Cell">LSTM or GRU.</param>
/// <param name="Layers">Stacked layers, bottom first.</param>
/// <param name="Heads">Linear heads on the top layer's h; their outputs are concatenated in order.</param>
public sealed record PolicyBranchSpec(RecurrentCellKind Cell, IReadOnlyList<RecurrentLayerSpec> Layers, IReadOnlyList<LinearLayerSpec> Heads);
