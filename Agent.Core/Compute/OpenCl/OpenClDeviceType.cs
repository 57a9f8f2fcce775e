namespace AgentRnn.Core.Compute.OpenCl;

/// <summary>OpenCL device types (cl_device_type bits).</summary>
[Flags]
public enum OpenClDeviceType : ulong
{
    /// <summary>No type bit.</summary>
    None = 0,
    /// <summary>CL_DEVICE_TYPE_DEFAULT.</summary>
    Default = 1 << 0,
    /// <summary>CL_DEVICE_TYPE_CPU (PoCL's pthread device, Intel's CPU runtime).</summary>
    Cpu = 1 << 1,
    /// <summary>CL_DEVICE_TYPE_GPU.</summary>
    Gpu = 1 << 2,
    /// <summary>CL_DEVICE_TYPE_ACCELERATOR.</summary>
    Accelerator = 1 << 3,
    /// <summary>CL_DEVICE_TYPE_CUSTOM.</summary>
    Custom = 1 << 4,
}
