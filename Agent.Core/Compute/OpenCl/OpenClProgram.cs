using System.Reflection;
using System.Text;
using AgentRnn.Core.Compute.OpenCl.Interop;

namespace AgentRnn.Core.Compute.OpenCl;

/// <summary>
/// The backend's kernels, built once per device from the embedded Kernels/*.cl sources into one program.
/// A build failure throws <see cref="OpenClException"/> with the compiler's build log.
/// </summary>
internal sealed unsafe class OpenClProgram : IDisposable
{
    /// <summary>Kernel names, in the order the sources define them.</summary>
    internal const string GemmTiled = "gemm_tiled";
    internal const string GemmRows1 = "gemm_rows1";
    internal const string GemmRows4 = "gemm_rows4";
    internal const string Conv2dF32 = "conv2d_f32";
    internal const string Conv2dU8 = "conv2d_u8";
    internal const string LstmSequence = "lstm_sequence";
    internal const string GruSequence = "gru_sequence";
    internal const string LstmCell = "lstm_cell";
    internal const string GruCell = "gru_cell";
    internal const string CopyRows = "copy_rows";

    /// <summary>Output channels one convolution work-item computes (conv.cl's OC_PER); 4 measured fastest on PoCL.</summary>
    internal const int ConvChannelsPerItem = 4;

    private static readonly string[] SourceFiles = ["common.cl", "gemm.cl", "conv.cl", "recurrent.cl", "rows.cl"];
    private static readonly string[] KernelNames = [GemmTiled, GemmRows1, GemmRows4, Conv2dF32, Conv2dU8, LstmSequence, GruSequence, LstmCell, GruCell, CopyRows];
    private static readonly Lazy<string> EmbeddedSource = new(LoadSource);

    private readonly OpenClProgramHandle _program;
    private readonly Dictionary<string, OpenClKernelHandle> _kernels = [];

    private OpenClProgram(OpenClProgramHandle program) => _program = program;

    /// <summary>The concatenated kernel sources.</summary>
    internal static string Source => EmbeddedSource.Value;

    /// <summary>Builds <paramref name="source"/> for one device and creates the named kernels.</summary>
    internal static OpenClProgram Build(OpenClContextHandle context, nint device, string source, IEnumerable<string> kernelNames)
    {
        byte[] text = Encoding.UTF8.GetBytes(source);
        int status;
        OpenClProgramHandle handle;
        fixed (byte* p = text)
        {
            byte* strings = p;
            nuint length = (nuint)text.Length;
            handle = NativeMethods.clCreateProgramWithSource(context, 1, &strings, &length, &status);
        }
        if (status != OpenClStatus.Success)
        {
            handle.Dispose();
            OpenClStatus.Check(status, "clCreateProgramWithSource");
        }
        var program = new OpenClProgram(handle);
        try
        {
            byte[] options = Encoding.ASCII.GetBytes($"-cl-std=CL1.2 -D OC_PER={ConvChannelsPerItem}\0");
            fixed (byte* o = options)
            {
                status = NativeMethods.clBuildProgram(handle, 1, &device, o, 0, 0);
            }
            if (status != OpenClStatus.Success)
            {
                throw new OpenClException("clBuildProgram", status, "build log: " + BuildLog(handle, device));
            }
            foreach (string name in kernelNames)
            {
                program._kernels[name] = CreateKernel(handle, name);
            }
            return program;
        }
        catch
        {
            program.Dispose();
            throw;
        }
    }

    /// <summary>Builds the embedded sources with every kernel the backend uses.</summary>
    internal static OpenClProgram BuildEmbedded(OpenClContextHandle context, nint device) => Build(context, device, Source, KernelNames);

    /// <summary>A kernel by name.</summary>
    internal OpenClKernelHandle Kernel(string name) => _kernels[name];

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (OpenClKernelHandle kernel in _kernels.Values)
        {
            kernel.Dispose();
        }
        _kernels.Clear();
        _program.Dispose();
    }

    private static OpenClKernelHandle CreateKernel(OpenClProgramHandle program, string name)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(name + "\0");
        int status;
        OpenClKernelHandle kernel;
        fixed (byte* p = bytes)
        {
            kernel = NativeMethods.clCreateKernel(program, p, &status);
        }
        if (status != OpenClStatus.Success)
        {
            kernel.Dispose();
            OpenClStatus.Check(status, $"clCreateKernel({name})");
        }
        return kernel;
    }

    private static string BuildLog(OpenClProgramHandle program, nint device)
    {
        nuint size = 0;
        if (NativeMethods.clGetProgramBuildInfo(program, device, NativeMethods.ProgramBuildLog, 0, null, &size) != OpenClStatus.Success || size == 0)
        {
            return "(no build log)";
        }
        byte[] log = new byte[(int)size];
        fixed (byte* p = log)
        {
            if (NativeMethods.clGetProgramBuildInfo(program, device, NativeMethods.ProgramBuildLog, size, p, null) != OpenClStatus.Success)
            {
                return "(no build log)";
            }
        }
        // One line: the CLI prints errors as a single line, so the log's line breaks become " | ".
        string text = OpenClRuntime.Decode(log);
        return string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    private static string LoadSource()
    {
        Assembly assembly = typeof(OpenClProgram).Assembly;
        var builder = new StringBuilder();
        foreach (string file in SourceFiles)
        {
            string resource = "AgentRnn.Core.Compute.OpenCl.Kernels." + file;
            using Stream stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"embedded kernel source {resource} is missing from {assembly.GetName().Name}");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            builder.Append(reader.ReadToEnd()).Append('\n');
        }
        return builder.ToString();
    }
}
