namespace AgentRnn.Core.Compute;

/// <summary>Which compute backend runs the model's kernels.</summary>
public enum ComputeBackendKind
{
    /// <summary>AgentRnn.Core.Kernels on the host CPU; the default, needs no native runtime.</summary>
    Cpu,
    /// <summary>OpenCL kernels on a GPU or, through PoCL, on the CPU.</summary>
    OpenCl,
    /// <summary>ILGPU's CUDA backend on an NVIDIA GPU (through the driver alone).</summary>
    Cuda,
    /// <summary>ILGPU's CPU accelerator: the GPU kernels on emulated threads (tests and CI).</summary>
    IlgpuCpu,
}
