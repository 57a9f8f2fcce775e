namespace AgentRnn.Core.Compute.OpenCl;

/// <summary>
/// One OpenCL device as <c>agent devices</c> lists it. <see cref="Index"/> counts devices across all platforms in
/// platform order, and is what <c>--device N</c> selects.
/// </summary>
/// <param name="Index">0-based index across every platform's devices.</param>
/// <param name="PlatformIndex">0-based index of the platform.</param>
/// <param name="Name">CL_DEVICE_NAME.</param>
/// <param name="Vendor">CL_DEVICE_VENDOR.</param>
/// <param name="Type">CL_DEVICE_TYPE.</param>
/// <param name="ComputeUnits">CL_DEVICE_MAX_COMPUTE_UNITS.</param>
/// <param name="GlobalMemoryBytes">CL_DEVICE_GLOBAL_MEM_SIZE.</param>
/// <param name="MaxWorkGroupSize">CL_DEVICE_MAX_WORK_GROUP_SIZE.</param>
/// <param name="Version">CL_DEVICE_VERSION, e.g. "OpenCL 3.0 PoCL …".</param>
/// <param name="DriverVersion">CL_DRIVER_VERSION.</param>
public sealed record OpenClDeviceInfo(
    int Index,
    int PlatformIndex,
    string Name,
    string Vendor,
    OpenClDeviceType Type,
    int ComputeUnits,
    long GlobalMemoryBytes,
    int MaxWorkGroupSize,
    string Version,
    string DriverVersion)
{
    /// <summary>The native cl_device_id.</summary>
    internal nint Id { get; init; }
}
