namespace AgentRnn.Vision.Interop;

/// <summary>agentcv_luma_conversion: how the luma decoder's last frame became gray.</summary>
internal enum LumaConversion
{
    /// <summary>No frame decoded yet.</summary>
    None = -1,

    /// <summary>A full-range 8-bit luma plane (yuvj*, gray, or a stream tagged full range), copied.</summary>
    Plane = 0,

    /// <summary>A limited-range 8-bit luma plane, expanded: round((Y − 16)·255/219), clamped.</summary>
    PlaneExpanded = 1,

    /// <summary>Another YUV layout (high bit depth, packed 4:2:2), converted by swscale to GRAY8.</summary>
    Swscale = 2,

    /// <summary>Not YUV (RGB, palette): swscale to BGR24, then cv::COLOR_BGR2GRAY, exactly as OpenCV's backend.</summary>
    ViaBgr = 3,
}
