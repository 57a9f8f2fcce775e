namespace AgentRnn.Core.Compute.Network;

/// <summary>
/// One layer of nn.LSTM / nn.GRU, as PyTorch names them: weight_ih_l{k} (G·H, I), weight_hh_l{k} (G·H, H),
/// bias_ih_l{k} and bias_hh_l{k} (G·H) or null, with G = 4 for LSTM and 3 for GRU.
/// </summary>
/// <param name="WeightIh">(G·H, I).</param>
/// <param name="WeightHh">(G·H, H).</param>
/// <param name="BiasIh">(G·H) or null.</param>
/// <param name="BiasHh">(G·H) or null.</param>
public sealed record RecurrentLayerSpec(Tensor WeightIh, Tensor WeightHh, Tensor? BiasIh, Tensor? BiasHh);
