using System.Runtime.InteropServices;

namespace AgentRnn.Vision.Interop;

/// <summary>
/// agentcv_image: a caller-owned interleaved 8-bit frame; row y starts at Data + y·Stride and the native side checks
/// that the frame fits in Length bytes. Built on the stack over a pinned span for the duration of one call.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeImage
{
    public byte* Data;
    public long Length;
    public long Stride;
    public int Width;
    public int Height;
    public int Format;
    public int Reserved;

    public NativeImage(byte* data, int length, int width, int height, int stride, PixelFormat format)
    {
        Data = data;
        Length = length;
        Stride = stride;
        Width = width;
        Height = height;
        Format = (int)format;
        Reserved = 0;
    }
}
