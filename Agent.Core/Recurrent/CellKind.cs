namespace AgentRnn.Core.Recurrent;

/// <summary>The recurrent cell, with PyTorch's semantics.</summary>
public enum CellKind
{
    /// <summary>nn.LSTM: gates i, f, g, o; state (h, c).</summary>
    Lstm,
    /// <summary>nn.GRU: gates r, z, n; b_hn inside the reset product; state h.</summary>
    Gru,
    /// <summary>nn.RNN with tanh; state h.</summary>
    Rnn,
}
