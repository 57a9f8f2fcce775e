using AgentRnn.Core.Compute;
using AgentRnn.Core.Compute.OpenCl;

namespace AgentRnn.Tests.Compute;

/// <summary>OpenCL-only behaviour: discovery, device selection errors, status names and build failures.</summary>
public sealed class OpenClRuntimeTests(OpenClDeviceFixture fixture) : IClassFixture<OpenClDeviceFixture>
{
    [Fact]
    public void Platforms_WithPoclInstalled_ListDevicesWithIndicesAcrossPlatforms()
    {
        IReadOnlyList<OpenClPlatformInfo> platforms = OpenClRuntime.Platforms();
        Assert.NotEmpty(platforms);
        OpenClDeviceInfo[] devices = [.. platforms.SelectMany(p => p.Devices)];
        Assert.NotEmpty(devices);
        Assert.Equal(Enumerable.Range(0, devices.Length), devices.Select(d => d.Index));
        Assert.All(devices, d =>
        {
            Assert.False(string.IsNullOrWhiteSpace(d.Name));
            Assert.True(d.ComputeUnits > 0);
            Assert.True(d.GlobalMemoryBytes > 0);
            Assert.StartsWith("OpenCL ", d.Version);
        });
        Assert.Equal(devices[0].Name, fixture.Device.Name);
    }

    [Fact]
    public void Open_IndexPastTheEnd_ThrowsOneLinePointingToAgentDevices()
    {
        int count = OpenClRuntime.Devices().Count;
        var e = Assert.Throws<ComputeBackendException>(() => ComputeBackend.Open(ComputeBackendKind.OpenCl, count));
        Assert.Contains($"--device {count} does not exist", e.Message);
        Assert.Contains("agent devices", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Theory]
    [InlineData(5, 1, "--device 5 does not exist: there is 1 OpenCL device (index 0); list them with 'agent devices'")]
    [InlineData(3, 3, "--device 3 does not exist: there are 3 OpenCL devices (0..2); list them with 'agent devices'")]
    [InlineData(2, 2, "--device 2 does not exist: there are 2 OpenCL devices (0..1); list them with 'agent devices'")]
    public void NoSuchDeviceMessage_OneOrSeveralDevices_AgreesInNumber(int index, int count, string expected) =>
        Assert.Equal(expected, OpenClRuntime.NoSuchDeviceMessage(index, count));

    [Fact]
    public void Open_ByType_FindsTheCpuDeviceOfPocl()
    {
        using OpenClDevice device = OpenClDevice.Open(OpenClDeviceType.Cpu | OpenClDeviceType.Gpu);
        Assert.Equal(ComputeBackendKind.OpenCl, device.Kind);
        Assert.NotEqual(OpenClDeviceType.None, device.Info.Type & (OpenClDeviceType.Cpu | OpenClDeviceType.Gpu));
    }

    [Fact]
    public void BuildProgram_SyntaxError_ThrowsWithApiStatusAndBuildLogOnOneLine()
    {
        var e = Assert.Throws<OpenClException>(() => fixture.Device.BuildProgram("__kernel void broken(__global float* x) { x[0] = undefined_name; }", "broken"));
        Assert.Equal("clBuildProgram", e.Api);
        Assert.Equal("CL_BUILD_PROGRAM_FAILURE", e.StatusName);
        Assert.Contains("build log:", e.Message);
        Assert.Contains("undefined_name", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void BuildProgram_UnknownKernelName_ThrowsNamingTheKernel()
    {
        var e = Assert.Throws<OpenClException>(() => fixture.Device.BuildProgram("__kernel void present(__global float* x) { x[0] = 1.0f; }", "absent"));
        Assert.Equal("clCreateKernel(absent)", e.Api);
        Assert.Equal("CL_INVALID_KERNEL_NAME", e.StatusName);
    }

    [Theory]
    [InlineData(-5, "CL_OUT_OF_RESOURCES")]
    [InlineData(-11, "CL_BUILD_PROGRAM_FAILURE")]
    [InlineData(-54, "CL_INVALID_WORK_GROUP_SIZE")]
    [InlineData(-1001, "CL_PLATFORM_NOT_FOUND_KHR")]
    [InlineData(-12345, "CL_UNKNOWN_ERROR")]
    public void StatusName_KnownAndUnknownCodes_AreNamed(int status, string name)
    {
        Assert.Equal(name, OpenClStatus.Name(status));
        var e = Assert.Throws<OpenClException>(() => OpenClStatus.Check(status, "clFinish"));
        Assert.Equal($"OpenCL clFinish failed: {name} ({status})", e.Message);
    }

    [Fact]
    public void Parse_UnknownBackend_ThrowsListingTheChoices()
    {
        Assert.Equal(ComputeBackendKind.OpenCl, ComputeBackend.Parse("OpenCL"));
        Assert.Equal(ComputeBackendKind.Cpu, ComputeBackend.Parse("cpu"));
        var e = Assert.Throws<ComputeBackendException>(() => ComputeBackend.Parse("cuda"));
        Assert.Equal("unknown --backend 'cuda'; use one of: cpu, opencl", e.Message);
    }
}
