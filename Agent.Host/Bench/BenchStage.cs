namespace Agent.Host.Bench;

/// <summary>One stage of a benchmark: its name, busy time, and the frames it handled.</summary>
/// <param name="Name">"render"/"decode", "preprocess", "model" (or its parts), "sink", or "source".</param>
/// <param name="Busy">Time the stage was busy, summed over its threads.</param>
/// <param name="Frames">Frames the stage handled.</param>
public readonly record struct BenchStage(string Name, TimeSpan Busy, long Frames)
{
    /// <summary>Frames per second of busy time: what the stage alone could sustain on one thread.</summary>
    public double Fps => Busy > TimeSpan.Zero ? Frames / Busy.TotalSeconds : 0;
}
