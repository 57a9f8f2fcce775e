namespace AgentRnn.Core.Compute.OpenCl;

/// <summary>One OpenCL platform (an installed ICD: PoCL, NVIDIA, ROCm, Intel) and its devices.</summary>
/// <param name="Index">0-based platform index in the loader's order.</param>
/// <param name="Name">CL_PLATFORM_NAME.</param>
/// <param name="Vendor">CL_PLATFORM_VENDOR.</param>
/// <param name="Version">CL_PLATFORM_VERSION.</param>
/// <param name="Devices">The platform's devices, with indices counted across all platforms.</param>
public sealed record OpenClPlatformInfo(int Index, string Name, string Vendor, string Version, IReadOnlyList<OpenClDeviceInfo> Devices);
