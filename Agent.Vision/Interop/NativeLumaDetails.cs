using System.Runtime.InteropServices;

namespace AgentRnn.Vision.Interop;

/// <summary>agentcv_luma_details: how a luma decoder turned its last frame into gray, and with how many threads.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeLumaDetails
{
    /// <summary>Bytes of agentcv_luma_details.pixel_format.</summary>
    public const int PixelFormatCapacity = 32;

    public LumaConversion Conversion;
    public int Threads;
    public int Rotation;
    public int Reserved;
    public fixed byte PixelFormatName[PixelFormatCapacity];

    /// <summary>FFmpeg's name of the last frame's pixel format ("" before the first frame).</summary>
    public readonly string PixelFormat
    {
        get
        {
            fixed (byte* name = PixelFormatName)
            {
                return new string((sbyte*)name);
            }
        }
    }
}
