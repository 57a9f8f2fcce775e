namespace AgentRnn.Core.Compute.OpenCl;

/// <summary>An OpenCL call returned an error status: names the API, the CL error and, for builds, the build log.</summary>
public sealed class OpenClException : ComputeBackendException
{
    /// <summary>Creates the error for <paramref name="api"/> returning <paramref name="status"/>, with optional detail.</summary>
    public OpenClException(string api, int status, string? detail = null)
        : base($"OpenCL {api} failed: {OpenClStatus.Name(status)} ({status})" + (string.IsNullOrEmpty(detail) ? "" : $": {detail}"))
    {
        Api = api;
        Status = status;
    }

    /// <summary>The OpenCL function that failed, with the kernel name where one applies.</summary>
    public string Api { get; }

    /// <summary>The cl_int status it returned.</summary>
    public int Status { get; }

    /// <summary>The status's CL_ name, e.g. CL_OUT_OF_RESOURCES.</summary>
    public string StatusName => OpenClStatus.Name(Status);
}
