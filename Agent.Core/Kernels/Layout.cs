namespace AgentRnn.Core.Kernels;

/// <summary>Memory order of a batch of C×H×W activations.</summary>
public enum Layout
{
    /// <summary>(batch, C, H, W): PyTorch's order, and the frames' order.</summary>
    Nchw,

    /// <summary>(batch, H, W, C): channels innermost, the order the fast convolutions write and read best.</summary>
    Nhwc,
}
