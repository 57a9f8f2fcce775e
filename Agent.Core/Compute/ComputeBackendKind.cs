namespace AgentRnn.Core.Compute;

/// <summary>Which compute backend runs the model's kernels.</summary>
public enum ComputeBackendKind
{
    /// <summary>AgentRnn.Core.Kernels on the host CPU; the default, needs no native runtime.</summary>
    Cpu,
    /// <summary>OpenCL kernels on a GPU or, through PoCL, on the CPU.</summary>
    OpenCl,
}
