using System.Runtime.InteropServices;

namespace AgentRnn.Vision.Interop;

/// <summary>agentcv_video_info: what the FFmpeg backend reports about an opened stream.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativeVideoInfo
{
    public int Width;
    public int Height;
    public double Fps;
    public long DeclaredFrames;
    public int FourCc;
    public int Reserved;
}
