namespace AgentRnn.Vision;

/// <summary>A crop in source pixels: the top-left corner (X, Y) and the size. It must lie inside the frame.</summary>
/// <param name="X">Left column.</param>
/// <param name="Y">Top row.</param>
/// <param name="Width">Columns kept.</param>
/// <param name="Height">Rows kept.</param>
public readonly record struct CropRect(int X, int Y, int Width, int Height);
