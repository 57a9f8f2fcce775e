using System.Text;
using AgentRnn.Core.Compute.OpenCl.Interop;

namespace AgentRnn.Core.Compute.OpenCl;

/// <summary>
/// Discovers OpenCL platforms and devices through the ICD loader. The first call loads libOpenCL.so.1; a missing
/// loader or a loader with no platform is reported as one <see cref="ComputeBackendException"/> naming the packages.
/// </summary>
public static unsafe class OpenClRuntime
{
    /// <summary>The one line shown when no OpenCL runtime can be used.</summary>
    public const string NoRuntimeMessage =
        "no OpenCL runtime found; install it with: apt-get install ocl-icd-libopencl1 pocl-opencl-icd (or your GPU vendor's OpenCL ICD)";

    private const int MaxIds = 64;

    /// <summary>Every platform with its devices; throws <see cref="ComputeBackendException"/> when there is none.</summary>
    public static IReadOnlyList<OpenClPlatformInfo> Platforms()
    {
        nint* platforms = stackalloc nint[MaxIds];
        uint count = 0;
        int status;
        try
        {
            status = NativeMethods.clGetPlatformIDs(MaxIds, platforms, &count);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException)
        {
            throw new ComputeBackendException(NoRuntimeMessage, e);
        }
        if (status == OpenClStatus.PlatformNotFound || (status == OpenClStatus.Success && count == 0))
        {
            throw new ComputeBackendException(NoRuntimeMessage);
        }
        OpenClStatus.Check(status, "clGetPlatformIDs");
        var result = new List<OpenClPlatformInfo>();
        nint* ids = stackalloc nint[MaxIds];
        int deviceIndex = 0;
        for (int p = 0; p < (int)Math.Min(count, MaxIds); p++)
        {
            nint platform = platforms[p];
            var devices = new List<OpenClDeviceInfo>();
            uint deviceCount = 0;
            status = NativeMethods.clGetDeviceIDs(platform, NativeMethods.DeviceTypeAll, MaxIds, ids, &deviceCount);
            // CL_DEVICE_NOT_FOUND (-1) is a platform with no devices, not an error.
            if (status != OpenClStatus.Success && status != -1)
            {
                OpenClStatus.Check(status, "clGetDeviceIDs");
            }
            for (int d = 0; d < (int)Math.Min(deviceCount, MaxIds) && status == OpenClStatus.Success; d++)
            {
                devices.Add(Describe(ids[d], deviceIndex++, p));
            }
            result.Add(new OpenClPlatformInfo(p, PlatformString(platform, NativeMethods.PlatformName), PlatformString(platform, NativeMethods.PlatformVendor), PlatformString(platform, NativeMethods.PlatformVersion), devices));
        }
        return result;
    }

    /// <summary>Every device of every platform, indexed as <c>--device N</c> counts them.</summary>
    public static IReadOnlyList<OpenClDeviceInfo> Devices() => [.. Platforms().SelectMany(p => p.Devices)];

    /// <summary>The device with index <paramref name="index"/>; throws a one-line error listing the valid range.</summary>
    public static OpenClDeviceInfo Device(int index)
    {
        IReadOnlyList<OpenClDeviceInfo> devices = Devices();
        if (devices.Count == 0)
        {
            throw new ComputeBackendException("the OpenCL runtime has platforms but no devices; " + NoRuntimeMessage);
        }
        if (index < 0 || index >= devices.Count)
        {
            throw new ComputeBackendException(NoSuchDeviceMessage(index, devices.Count));
        }
        return devices[index];
    }

    /// <summary>The one-line error for <c>--device</c> <paramref name="index"/> when <paramref name="count"/> devices exist.</summary>
    internal static string NoSuchDeviceMessage(int index, int count)
    {
        string present = count == 1 ? "there is 1 OpenCL device (index 0)" : $"there are {count} OpenCL devices (0..{count - 1})";
        return $"--device {index} does not exist: {present}; list them with 'agent devices'";
    }

    /// <summary>The first device whose type includes <paramref name="type"/>.</summary>
    public static OpenClDeviceInfo Device(OpenClDeviceType type) =>
        Devices().FirstOrDefault(d => (d.Type & type) != 0)
        ?? throw new ComputeBackendException($"no OpenCL device of type {type}; list them with 'agent devices'");

    private static OpenClDeviceInfo Describe(nint id, int index, int platformIndex) => new(
        index,
        platformIndex,
        DeviceString(id, NativeMethods.DeviceName),
        DeviceString(id, NativeMethods.DeviceVendor),
        (OpenClDeviceType)DeviceValue<ulong>(id, NativeMethods.DeviceType),
        (int)DeviceValue<uint>(id, NativeMethods.DeviceMaxComputeUnits),
        (long)DeviceValue<ulong>(id, NativeMethods.DeviceGlobalMemSize),
        (int)Math.Min(DeviceValue<nuint>(id, NativeMethods.DeviceMaxWorkGroupSize), int.MaxValue),
        DeviceString(id, NativeMethods.DeviceVersion),
        DeviceString(id, NativeMethods.DriverVersion))
    {
        Id = id,
    };

    internal static T DeviceValue<T>(nint device, uint param)
        where T : unmanaged
    {
        T value = default;
        OpenClStatus.Check(NativeMethods.clGetDeviceInfo(device, param, (nuint)sizeof(T), &value, null), "clGetDeviceInfo");
        return value;
    }

    private static string DeviceString(nint device, uint param)
    {
        nuint size = 0;
        OpenClStatus.Check(NativeMethods.clGetDeviceInfo(device, param, 0, null, &size), "clGetDeviceInfo");
        byte[] bytes = new byte[(int)size];
        fixed (byte* p = bytes)
        {
            OpenClStatus.Check(NativeMethods.clGetDeviceInfo(device, param, size, p, null), "clGetDeviceInfo");
        }
        return Decode(bytes);
    }

    private static string PlatformString(nint platform, uint param)
    {
        nuint size = 0;
        OpenClStatus.Check(NativeMethods.clGetPlatformInfo(platform, param, 0, null, &size), "clGetPlatformInfo");
        byte[] bytes = new byte[(int)size];
        fixed (byte* p = bytes)
        {
            OpenClStatus.Check(NativeMethods.clGetPlatformInfo(platform, param, size, p, null), "clGetPlatformInfo");
        }
        return Decode(bytes);
    }

    internal static string Decode(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes).TrimEnd('\0').Trim();
}
