using System.Runtime.InteropServices;

namespace AgentRnn.Core.Compute.OpenCl.Interop;

/// <summary>
/// The OpenCL C API entry points the backend uses, bound to the ICD loader (ocl-icd's libOpenCL.so.1).
/// The library is resolved on the first call, so a process that never opens the OpenCL backend never loads it.
/// Every function returns or outputs a cl_int status; callers pass it to <see cref="OpenClStatus.Check"/>.
/// </summary>
internal static unsafe partial class NativeMethods
{
    private const string Library = "libOpenCL.so.1";

    internal const uint PlatformVersion = 0x0901;
    internal const uint PlatformName = 0x0902;
    internal const uint PlatformVendor = 0x0903;

    internal const ulong DeviceTypeAll = 0xFFFFFFFF;
    internal const uint DeviceType = 0x1000;
    internal const uint DeviceMaxComputeUnits = 0x1002;
    internal const uint DeviceMaxWorkGroupSize = 0x1004;
    internal const uint DeviceGlobalMemSize = 0x101F;
    internal const uint DeviceLocalMemSize = 0x1023;
    internal const uint DeviceName = 0x102B;
    internal const uint DeviceVendor = 0x102C;
    internal const uint DriverVersion = 0x102D;
    internal const uint DeviceVersion = 0x102F;

    internal const ulong MemReadWrite = 1 << 0;
    internal const uint ProgramBuildLog = 0x1183;
    internal const uint KernelWorkGroupSize = 0x11B0;

    [LibraryImport(Library)]
    internal static partial int clGetPlatformIDs(uint numEntries, nint* platforms, uint* numPlatforms);

    [LibraryImport(Library)]
    internal static partial int clGetPlatformInfo(nint platform, uint paramName, nuint valueSize, void* value, nuint* valueSizeRet);

    [LibraryImport(Library)]
    internal static partial int clGetDeviceIDs(nint platform, ulong deviceType, uint numEntries, nint* devices, uint* numDevices);

    [LibraryImport(Library)]
    internal static partial int clGetDeviceInfo(nint device, uint paramName, nuint valueSize, void* value, nuint* valueSizeRet);

    [LibraryImport(Library)]
    internal static partial OpenClContextHandle clCreateContext(nint* properties, uint numDevices, nint* devices, nint notify, nint userData, int* errcode);

    [LibraryImport(Library)]
    internal static partial int clReleaseContext(nint context);

    [LibraryImport(Library)]
    internal static partial OpenClQueueHandle clCreateCommandQueue(OpenClContextHandle context, nint device, ulong properties, int* errcode);

    [LibraryImport(Library)]
    internal static partial int clReleaseCommandQueue(nint queue);

    [LibraryImport(Library)]
    internal static partial int clFinish(OpenClQueueHandle queue);

    [LibraryImport(Library)]
    internal static partial OpenClMemHandle clCreateBuffer(OpenClContextHandle context, ulong flags, nuint size, void* hostPtr, int* errcode);

    [LibraryImport(Library)]
    internal static partial int clReleaseMemObject(nint mem);

    [LibraryImport(Library)]
    internal static partial int clEnqueueWriteBuffer(OpenClQueueHandle queue, OpenClMemHandle buffer, uint blocking, nuint offset, nuint size, void* source, uint numEvents, nint* waitList, nint* evt);

    [LibraryImport(Library)]
    internal static partial int clEnqueueReadBuffer(OpenClQueueHandle queue, OpenClMemHandle buffer, uint blocking, nuint offset, nuint size, void* destination, uint numEvents, nint* waitList, nint* evt);

    [LibraryImport(Library)]
    internal static partial int clEnqueueFillBuffer(OpenClQueueHandle queue, OpenClMemHandle buffer, void* pattern, nuint patternSize, nuint offset, nuint size, uint numEvents, nint* waitList, nint* evt);

    [LibraryImport(Library)]
    internal static partial int clEnqueueCopyBuffer(OpenClQueueHandle queue, OpenClMemHandle source, OpenClMemHandle destination, nuint sourceOffset, nuint destinationOffset, nuint size, uint numEvents, nint* waitList, nint* evt);

    [LibraryImport(Library)]
    internal static partial OpenClProgramHandle clCreateProgramWithSource(OpenClContextHandle context, uint count, byte** strings, nuint* lengths, int* errcode);

    [LibraryImport(Library)]
    internal static partial int clBuildProgram(OpenClProgramHandle program, uint numDevices, nint* devices, byte* options, nint notify, nint userData);

    [LibraryImport(Library)]
    internal static partial int clGetProgramBuildInfo(OpenClProgramHandle program, nint device, uint paramName, nuint valueSize, void* value, nuint* valueSizeRet);

    [LibraryImport(Library)]
    internal static partial int clReleaseProgram(nint program);

    [LibraryImport(Library)]
    internal static partial OpenClKernelHandle clCreateKernel(OpenClProgramHandle program, byte* name, int* errcode);

    [LibraryImport(Library)]
    internal static partial int clReleaseKernel(nint kernel);

    [LibraryImport(Library)]
    internal static partial int clSetKernelArg(OpenClKernelHandle kernel, uint index, nuint size, void* value);

    [LibraryImport(Library)]
    internal static partial int clGetKernelWorkGroupInfo(OpenClKernelHandle kernel, nint device, uint paramName, nuint valueSize, void* value, nuint* valueSizeRet);

    [LibraryImport(Library)]
    internal static partial int clEnqueueNDRangeKernel(OpenClQueueHandle queue, OpenClKernelHandle kernel, uint workDim, nuint* globalOffset, nuint* globalSize, nuint* localSize, uint numEvents, nint* waitList, nint* evt);
}
