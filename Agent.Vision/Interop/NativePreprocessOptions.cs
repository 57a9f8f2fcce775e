using System.Runtime.InteropServices;

namespace AgentRnn.Vision.Interop;

/// <summary>agentcv_preprocess_options: a preprocessor's fixed source, crop and output geometry.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NativePreprocessOptions
{
    public int SourceWidth;
    public int SourceHeight;
    public int SourceFormat;
    public int CropX;
    public int CropY;
    public int CropWidth;
    public int CropHeight;
    public int Grayscale;
    public int OutputWidth;
    public int OutputHeight;
}
