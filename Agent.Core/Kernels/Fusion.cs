namespace AgentRnn.Core.Kernels;

/// <summary>Elementwise steps a convolution performs in the same pass as the product.</summary>
[Flags]
public enum Fusion
{
    /// <summary>y = conv(x) + bias.</summary>
    None = 0,

    /// <summary>Reads relu(x) instead of x (a residual block's leading ReLU).</summary>
    ReluInput = 1,

    /// <summary>Writes relu(result).</summary>
    ReluOutput = 2,

    /// <summary>Adds the result to what y already holds (a residual connection), before <see cref="ReluOutput"/>.</summary>
    AddToOutput = 4,
}
