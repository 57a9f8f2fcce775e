namespace AgentRnn.Host.Bench;

/// <summary>One stage of a benchmark: its name, busy time, and the frames it handled.</summary>
/// <param name="Name">"render"/"decode", "preprocess", "model", the model's parts ("encoder", "memory", "heads"), "sink", or "source".</param>
/// <param name="Busy">Time the stage was busy, summed over its threads.</param>
/// <param name="Frames">Frames the stage handled.</param>
/// <param name="IsPart">True for a part of the stage before it (the model's encoder, memory and heads): its time is within that stage's.</param>
public readonly record struct BenchStage(string Name, TimeSpan Busy, long Frames, bool IsPart = false)
{
    /// <summary>Frames per second of busy time: what the stage alone could sustain on one thread.</summary>
    public double Fps => Busy > TimeSpan.Zero ? Frames / Busy.TotalSeconds : 0;
}
