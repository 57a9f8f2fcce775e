namespace AgentRnn.Core.Compute.Network;

/// <summary>
/// The weights and shape of a recurrent policy network: observations → convolutions (ReLU each) → flatten →
/// dense layers → one or more recurrent branches with linear heads. Built by a checkpoint loader from named tensors;
/// <see cref="DevicePolicyNetwork"/> uploads it to a device.
/// </summary>
public sealed record PolicyNetworkSpec
{
    /// <summary>Observation shape: (channels, height, width) for frames, or (features, 1, 1) for vector observations.</summary>
    public required (int Channels, int Height, int Width) Input { get; init; }

    /// <summary>Multiplies uint8 frames before the first layer (CleanRL and SB3 divide by 255).</summary>
    public float FrameScale { get; init; } = 1f / 255f;

    /// <summary>Convolutions, first to last; empty for vector observations.</summary>
    public IReadOnlyList<ConvLayerSpec> Convolutions { get; init; } = [];

    /// <summary>Dense layers after the flatten, first to last.</summary>
    public IReadOnlyList<LinearLayerSpec> Dense { get; init; } = [];

    /// <summary>Recurrent branches; every branch reads the encoder's features. At least one.</summary>
    public required IReadOnlyList<PolicyBranchSpec> Branches { get; init; }
}
