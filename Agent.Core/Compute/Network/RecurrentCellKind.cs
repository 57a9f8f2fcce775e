using AgentRnn.Core.Recurrent;

namespace AgentRnn.Core.Compute.Network;

/// <summary>The recurrent cells the compute backends run (PyTorch gate orders: LSTM i,f,g,o; GRU r,z,n).</summary>
public enum RecurrentCellKind
{
    /// <summary>nn.LSTM: state h and c.</summary>
    Lstm,
    /// <summary>nn.GRU: state h.</summary>
    Gru,
}
