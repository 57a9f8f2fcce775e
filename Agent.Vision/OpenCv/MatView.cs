using OpenCvSharp;
using OpenCvSharp.Internal;

namespace AgentRnn.Vision.OpenCv;

/// <summary>
/// A cv::Mat header over 8-bit interleaved pixels OpenCV does not own (a caller's pinned buffer, a reused scratch
/// array), with the InputArray and OutputArray wrappers OpenCV's functions take. Created and deleted per call through
/// OpenCvSharp's native entry points, so that a frame costs three small native allocations and no managed ones (an
/// OpenCvSharp Mat is a finalizable object). The pixels must stay pinned while the view lives; OpenCV writes into them
/// in place because every destination is created with the size and type the call produces.
/// </summary>
internal readonly struct MatView : IDisposable
{
    private MatView(IntPtr mat, IntPtr input, IntPtr output)
    {
        Mat = mat;
        Input = input;
        Output = output;
    }

    /// <summary>The cv::Mat*.</summary>
    public IntPtr Mat { get; }

    /// <summary>The cv::_InputArray* over <see cref="Mat"/>.</summary>
    public IntPtr Input { get; }

    /// <summary>The cv::_OutputArray* (also usable as _InputOutputArray) over <see cref="Mat"/>.</summary>
    public IntPtr Output { get; }

    /// <summary>rows × cols pixels of channels bytes each, row y at data + y·step (step ≥ cols·channels).</summary>
    public static unsafe MatView Over(byte* data, int rows, int cols, int channels, nint step)
    {
        OpenCvRuntime.Check(NativeMethods.core_Mat_new8(rows, cols, MatType.CV_8UC(channels), (IntPtr)data, step, out IntPtr mat));
        IntPtr input = IntPtr.Zero;
        try
        {
            OpenCvRuntime.Check(NativeMethods.core_InputArray_new_byMat(mat, out input));
            OpenCvRuntime.Check(NativeMethods.core_OutputArray_new_byMat(mat, out IntPtr output));
            return new MatView(mat, input, output);
        }
        catch
        {
            if (input != IntPtr.Zero)
            {
                _ = NativeMethods.core_InputArray_delete(input);
            }
            _ = NativeMethods.core_Mat_delete(mat);
            throw;
        }
    }

    /// <summary>Deletes the wrappers and the header (never the pixels).</summary>
    public void Dispose()
    {
        _ = NativeMethods.core_OutputArray_delete(Output);
        _ = NativeMethods.core_InputArray_delete(Input);
        _ = NativeMethods.core_Mat_delete(Mat);
    }
}
